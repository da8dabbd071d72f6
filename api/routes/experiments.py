"""GET /experiments/report: per A/B arm and per interleaved pair, what the clicks say."""

import time
from typing import Any

from fastapi import APIRouter, Request

from api.deps import StateDep
from api.state import Experiments
from graphrec.experiments.report import experiment_report

router = APIRouter(prefix="/experiments", tags=["experiments"])

#: Seconds allowed beyond another worker's flush interval for its write to land.
FLUSH_MARGIN = 0.1


@router.get("/report")
def report(request: Request, state: StateDep) -> dict[str, Any]:
    """Impressions still buffered are written first, so the report sees every answer given
    before it was asked for: this worker's at once, every other worker's (or server's) by
    waiting out one of their flush intervals (each writes its buffer every 0.2 s)."""
    experiments: Experiments = request.app.state.experiments
    if experiments.log is not None:
        experiments.log.flush()
        time.sleep(experiments.log.interval + FLUSH_MARGIN)
    return experiment_report(state.store.impressions(), state.store.clicks())
