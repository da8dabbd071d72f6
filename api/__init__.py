"""The HTTP API: FastAPI app factory, routes and schemas."""

from api.app import create_app
from api.settings import Settings

__all__ = ["Settings", "create_app"]
