"""Server settings from the environment (prefix ``GRAPHREC_``) or the CLI."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: A shorter token is refused at start: it can be guessed, or is a placeholder left in place.
MIN_TOKEN_LENGTH = 16


class Settings(BaseSettings):
    """Configuration of the HTTP service."""

    model_config = SettingsConfigDict(env_prefix="GRAPHREC_")

    artifacts: Path = Path("artifacts")
    """Bundle root (its ``current`` link is served) or one version folder."""
    admin_token: str | None = None
    """Bearer token every write needs (POST /items, POST /feedback, POST /admin/reload); unset,
    empty or blank, writes are closed; shorter than ``MIN_TOKEN_LENGTH``, refused."""
    cold_neighbours: int = Field(3, ge=1, le=100)
    """Existing movies averaged into a cold movie's vector (Airbnb used 3)."""
    database_url: str | None = None
    """The store: ``postgresql://user@host:port/db`` when several servers share it; unset, an
    embedded SQLite file in ``data_dir``."""
    data_dir: Path | None = None
    """Where the store (registered movies, feedback events) lives (default: the artifacts
    folder)."""
    ab_shares: str | None = None
    """Traffic share per arm for /recommend without ``ranker=``: ``name:share,...`` (names:
    the rankers and ``none``, recall order). Unset: everything to the ranker the bundle
    measured with the best held-out lift over recall order, or recall order if none beat it."""
    ab_salt: str = "graphrec-ab-1"
    """Salt of the user-id hash that buckets users; change it to reshuffle the buckets. Other
    layers and interleaving salt with it plus their name."""
    ab_layers: str | None = None
    """More A/B layers, independent of the ranker layer and of each other:
    ``candidates=200:0.5,100:0.5`` (recall candidates a ranker reorders); ``;`` between layers."""
    interleave: str | None = None
    """``A,B:share``: interleave arms A and B (team draft) for that share of users by default,
    e.g. ``deepfm,none:0.1``; those users leave the A/B layers' experiments."""
    sync_interval: float = Field(0.25, ge=0.0)
    """Seconds between looks at the store for what other workers or servers wrote (and at
    ``artifacts/current`` for a new bundle); 0 turns the looking off."""
    json_access_log: bool = False
    """One JSON line per request on the ``graphrec.access`` logger (instead of uvicorn's)."""
    access_log: bool = True
    """A line per request at all (uvicorn's, or the JSON one); false logs none."""
    similar_cache_mb: float = Field(32.0, ge=0.0)
    """Megabytes of encoded `/similar/{movie}` answers kept for reuse (each is a function of
    the index's state, so none is ever stale); 0 computes every answer."""
    impressions: bool = True
    """Record every /recommend answer (what was shown, to whom, under which arms) in the store."""

    @property
    def uvicorn_access_log(self) -> bool:
        """Whether uvicorn writes its own line per request."""
        return self.access_log and not self.json_access_log

    @field_validator("admin_token")
    @classmethod
    def _closed_or_long(cls, token: str | None) -> str | None:
        """An empty or blank token (``TOKEN=${TOKEN}`` with TOKEN unset) closes writes, as an
        unset one does: it must never match empty credentials."""
        if token is None or not token.strip():
            return None
        if len(token) < MIN_TOKEN_LENGTH:
            raise ValueError(
                f"must be at least {MIN_TOKEN_LENGTH} characters, a secret nobody can guess "
                f"(got {len(token)})"
            )
        return token
