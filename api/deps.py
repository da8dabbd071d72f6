"""Dependencies: the serving state and the admin check reach routes through these.

They are ``async`` although they never await: FastAPI runs a plain ``def`` dependency in its
thread pool, and four thread hops per request cost more than the dependencies themselves.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.settings import Settings
from api.state import ServingState
from graphrec.artifacts import Bundle


async def get_state(request: Request) -> ServingState:
    state: ServingState = request.app.state.serving
    return state


async def get_bundle(state: Annotated[ServingState, Depends(get_state)]) -> Bundle:
    return state.bundle


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


_bearer = HTTPBearer(auto_error=False)


async def require_token(
    settings: Annotated[Settings, Depends(get_settings)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Every route that changes the server's state (registrations, feedback, reloads) needs
    ``Authorization: Bearer <GRAPHREC_ADMIN_TOKEN>``; without a token configured, writes are
    closed to everyone."""
    if settings.admin_token is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="writes are closed: the server has no GRAPHREC_ADMIN_TOKEN",
            headers={"WWW-Authenticate": "Bearer"},
        )
    given = credentials.credentials if credentials is not None else ""
    if not secrets.compare_digest(given.encode(), settings.admin_token.encode()):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="missing or wrong bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )


StateDep = Annotated[ServingState, Depends(get_state)]
BundleDep = Annotated[Bundle, Depends(get_bundle)]
TokenDep = Annotated[None, Depends(require_token)]
