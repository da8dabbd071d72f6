"""GET /health."""

from fastapi import APIRouter

from api.deps import BundleDep
from api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health")
def health(bundle: BundleDep) -> Health:
    return Health(status="ok", model_version=bundle.version)
