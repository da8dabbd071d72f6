"""GET /health, /health/live, /health/ready and /metrics."""

from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from api.deps import BundleDep, StateDep
from api.metrics import Metrics
from api.schemas import Health, errors

router = APIRouter(tags=["health"])


@router.get("/health")
def health(bundle: BundleDep) -> Health:
    return Health(status="ok", model_version=bundle.version)


@router.get("/health/live")
async def live() -> dict[str, str]:
    """The process answers."""
    return {"status": "live"}


@router.get("/health/ready", responses=errors(503))
def ready(request: Request, state: StateDep) -> Any:
    """Ready: the bundle is loaded and warmed up, and the store answers."""
    if not getattr(request.app.state, "warm", False):
        return _not_ready("warming up")
    try:
        state.store.ping()
    except Exception as exc:  # whatever the database raises, the answer is 503
        return _not_ready(f"store unreachable: {exc}")
    return {"status": "ready", "model_version": state.bundle.version}


@router.get("/metrics", response_class=Response)
def metrics(request: Request, state: StateDep) -> Response:
    """Prometheus text format."""
    m: Metrics = request.app.state.metrics
    bundle = state.bundle
    text = m.exposition(bundle.version, len(bundle.index), state.users.live_users)
    return Response(text, media_type=CONTENT_TYPE_LATEST)


def _not_ready(reason: str) -> JSONResponse:
    return JSONResponse({"detail": f"not ready: {reason}"}, status.HTTP_503_SERVICE_UNAVAILABLE)
