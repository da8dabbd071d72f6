"""POST /admin/reload: load artifacts/current again; a damaged bundle is refused, the old kept."""

import time

from fastapi import APIRouter, HTTPException, Request, status

from api.deps import StateDep, TokenDep
from api.schemas import ReloadResponse, errors
from graphrec.errors import BundleError

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post("/reload", responses=errors(401, 409))
def reload(request: Request, state: StateDep, _: TokenDep) -> ReloadResponse:
    asked_at = time.monotonic()
    reloads = request.app.state.metrics.reloads
    try:
        bundle = state.reload(asked_at)
    except BundleError as exc:
        reloads.labels("refused").inc()
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"reload refused, still serving {state.bundle.version}: {exc}",
        ) from exc
    reloads.labels("reloaded").inc()
    return ReloadResponse(status="reloaded", model_version=bundle.version)
