"""The FastAPI application factory; the bundle is loaded in the lifespan, not at import."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from api.answer_cache import AnswerCache
from api.metrics import Metrics, ObservedApp
from api.routes import (
    admin,
    catalogue_map,
    experiments,
    feedback,
    health,
    items,
    movies,
    recommend,
    similar,
    users,
)
from api.settings import Settings
from api.state import Experiments, ServingState
from api.warmup import warm_up
from graphrec.bucketing import RECALL_ORDER, parse_shares
from graphrec.experiments.impressions import ImpressionLog
from graphrec.experiments.layers import parse_interleave, parse_layers
from graphrec.rankers.ranking import RANKERS
from graphrec.store import StoreUnavailable

logger = logging.getLogger(__name__)

#: The page's files.
STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; ``settings`` default to the environment (``GRAPHREC_*``)."""
    settings = settings or Settings()
    # A bad setting fails before serving; unset, each bundle's own rankers decide.
    shares = parse_shares(settings.ab_shares, RANKERS) if settings.ab_shares else None
    layers = parse_layers(settings.ab_layers, settings.ab_salt) if settings.ab_layers else []
    interleave = (
        parse_interleave(settings.interleave, (*RANKERS, RECALL_ORDER), settings.ab_salt)
        if settings.interleave
        else None
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.serving = ServingState.load(
            settings.artifacts,
            settings.data_dir,
            settings.cold_neighbours,
            shares=shares,
            ab_salt=settings.ab_salt,
            database_url=settings.database_url,
        )
        _freeze_once()
        store = app.state.serving.store
        log = ImpressionLog(store.add_impressions) if settings.impressions else None
        app.state.experiments = Experiments(layers=layers, interleave=interleave, log=log)
        app.state.answers = AnswerCache(int(settings.similar_cache_mb * 2**20))
        app.state.warm = False
        threading.Thread(target=_warm, args=(app,), name="warm-up", daemon=True).start()
        stop = threading.Event()
        syncer = threading.Thread(
            target=_sync, name="store-sync", daemon=True,
            args=(app.state.serving, settings.sync_interval, stop),
        )  # fmt: skip
        if settings.sync_interval > 0:
            syncer.start()
        yield
        stop.set()
        if syncer.is_alive():  # let a catch-up under way finish before the store closes
            syncer.join(timeout=10)
        if log is not None:
            log.close()  # a clean shutdown loses no impression
        store.close()

    app = FastAPI(title="graphrec", version="0.1.0", lifespan=lifespan)
    app.state.metrics = Metrics()
    app.add_middleware(
        ObservedApp,
        metrics=app.state.metrics,
        json_log=settings.json_access_log and settings.access_log,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_api_route("/", _page, include_in_schema=False)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StoreUnavailable, _store_unavailable)
    # Routers are matched in turn: the busiest routes first.
    for module in (similar, recommend, health, movies, items, feedback, users, experiments,
                   catalogue_map, admin):  # fmt: skip
        app.include_router(module.router)
    return app


_frozen = threading.Event()


def _freeze_once() -> None:
    """Hide everything alive now from the cyclic collector, once per process.

    What is alive when a server starts (the imported libraries' ~450,000 functions, types and
    tuples, and the first bundle) lives as long as the process. Out of the collector's sight,
    a full collection no longer stops every request for 20-280 ms, as the ones a reload's
    allocations set off did: /similar's p99 while reloading every 2 s went from 10.1x the
    steady p99 to 2.7-3.7x (bench_reload.py). Once per process: a second app (tests make many)
    would freeze the first one's objects, which its collection could no longer free.
    """
    if not _frozen.is_set():
        _frozen.set()
        gc.collect()
        gc.freeze()


def _warm(app: FastAPI) -> None:
    """Warm up in the background; /health/ready answers 503 until this is done."""
    try:
        warm_up(app.state.serving)
    except Exception:  # a warm-up failure must not keep the server unready forever
        logger.exception("warm-up failed; serving cold")
    app.state.warm = True


def _sync(state: ServingState, interval: float, stop: threading.Event) -> None:
    """Every ``interval`` seconds, apply what other workers wrote and follow artifacts/current."""
    while not stop.wait(interval):
        try:
            state.catch_up()
        except Exception:  # a bad moment (a locked database) must not end the loop
            logger.exception("catching up with the store failed; retrying")


async def _page() -> FileResponse:
    """The web page: plain HTML, CSS and a script, all served from here."""
    return FileResponse(STATIC / "index.html")


#: Seconds a client is told to wait before retrying a write the store could not take.
RETRY_AFTER = 5


async def _store_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """503 with ``Retry-After``: the write was not applied, and may succeed later; reads go
    on from memory."""
    return JSONResponse(
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        content={"detail": f"store unavailable, nothing was written: {exc}"},
        headers={"Retry-After": str(RETRY_AFTER)},
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 with a one-line ``detail`` string, as the API promises, instead of FastAPI's list."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    reasons = [
        f"{'.'.join(str(part) for part in error.get('loc', ()))}: {error.get('msg', 'invalid')}"
        for error in errors
    ]
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": "; ".join(reasons) or "invalid request"},
    )
