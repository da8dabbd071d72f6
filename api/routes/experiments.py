"""GET /experiments/report: per A/B arm and per interleaved pair, what the clicks say."""

from typing import Any

from fastapi import APIRouter, Request

from api.deps import StateDep
from api.state import Experiments
from graphrec.experiments.report import experiment_report

router = APIRouter(prefix="/experiments", tags=["experiments"])


@router.get("/report")
def report(request: Request, state: StateDep) -> dict[str, Any]:
    """Impressions still buffered are written first, so the report sees every answer given."""
    experiments: Experiments = request.app.state.experiments
    if experiments.log is not None:
        experiments.log.flush()
    return experiment_report(state.store.impressions(), state.store.clicks())
