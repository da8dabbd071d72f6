"""Writes are closed unless a real token is set: unset, empty and blank tokens close them, a
short one stops the server from starting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api import Settings, create_app

WRITES = (
    ("/items", {"title": "Nobody's Film (2026)", "genres": ["Drama"], "year": 2026}),
    ("/feedback", [{"user": 1, "movie": 1, "kind": "rating", "rating": 4}]),
    ("/admin/reload", None),
)


@pytest.mark.parametrize("token", ["", "   ", "\t"])
def test_an_empty_or_blank_token_closes_every_write(
    artifacts: Path, token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRAPHREC_ADMIN_TOKEN", token)  # TOKEN=${TOKEN} with TOKEN unset
    settings = Settings(artifacts=artifacts)
    assert settings.admin_token is None
    with TestClient(create_app(settings)) as client:
        for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": f"Bearer {token}"}):
            for path, body in WRITES:
                response = client.post(path, json=body, headers=headers)
                assert response.status_code == 401, (path, headers, response.text)
                assert "writes are closed" in response.json()["detail"]
        assert client.get("/similar/1?k=3").status_code == 200  # reads stay open


def test_the_right_token_opens_writes_and_a_wrong_one_does_not(artifacts: Path) -> None:
    token = "a-token-of-twenty-chars"
    with TestClient(create_app(Settings(artifacts=artifacts, admin_token=token))) as client:
        event = [{"user": 1, "movie": 1, "kind": "rating", "rating": 4}]
        wrong = {"Authorization": f"Bearer {token[:-1]}"}
        assert client.post("/feedback", json=event, headers=wrong).status_code == 401
        right = {"Authorization": f"Bearer {token}"}
        assert client.post("/feedback", json=event, headers=right).status_code == 200


def test_a_short_token_is_refused_before_the_server_starts(artifacts: Path) -> None:
    with pytest.raises(ValidationError, match="at least 16 characters"):
        Settings(artifacts=artifacts, admin_token="fifteen-chars!!")
    env = os.environ | {"GRAPHREC_ADMIN_TOKEN": "s3cret"}
    result = subprocess.run(
        [sys.executable, "-m", "graphrec", "serve", "--artifacts", str(artifacts),
         "--port", "0"],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "graphrec: error: GRAPHREC_ADMIN_TOKEN: must be at least 16 characters, a secret "
        "nobody can guess (got 6)"
    ]
