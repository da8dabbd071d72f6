"""Exports: vectors beside their ids, and similar lists equal to GET /similar's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from fastapi.testclient import TestClient

from api import Settings, create_app
from graphrec.artifacts import load_bundle, resolve


def _export(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "graphrec", "export", *args],
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def test_similar_lists_are_what_the_api_answers(artifacts: Path, tmp_path: Path) -> None:
    out = tmp_path / "similar.csv"
    assert (
        _export("similar", "--artifacts", str(artifacts), "--out", str(out), "--k", "7").returncode
        == 0
    )
    lists = pd.read_csv(out)
    assert list(lists.columns) == ["movie", "rank", "similar", "score"]
    bundle = load_bundle(resolve(artifacts))
    assert set(lists.movie) == set(bundle.movie_ids.tolist())
    assert (lists.movie != lists.similar).all()
    movies = np.random.default_rng(0).choice(bundle.movie_ids, 40, replace=False)
    with TestClient(create_app(Settings(artifacts=artifacts))) as client:
        for movie in movies:
            answer = client.get(f"/similar/{movie}?k=7").json()["results"]
            exported = lists[lists.movie == movie].sort_values("rank")
            assert exported["rank"].tolist() == list(range(1, len(answer) + 1))
            assert exported.similar.tolist() == [r["id"] for r in answer]
            np.testing.assert_allclose(exported.score, [r["score"] for r in answer], rtol=1e-5)


def test_embeddings_come_with_their_ids_in_both_formats(artifacts: Path, tmp_path: Path) -> None:
    bundle = load_bundle(resolve(artifacts))
    assert (
        _export(
            "embeddings", "--artifacts", str(artifacts), "--out", str(tmp_path / "p")
        ).returncode
        == 0
    )
    movies = pd.read_parquet(tmp_path / "p" / "movies.parquet")
    users = pd.read_parquet(tmp_path / "p" / "users.parquet")
    np.testing.assert_array_equal(movies.id, bundle.movie_ids)
    np.testing.assert_allclose(np.stack(movies.embedding), bundle.movie_embeddings, rtol=1e-6)
    np.testing.assert_allclose(np.stack(users.embedding), bundle.user_embeddings, rtol=1e-6)
    assert movies.title.iloc[0] == bundle.catalog.titles[bundle.catalog.row(int(movies.id.iloc[0]))]
    args = (
        "embeddings",
        "--artifacts",
        str(artifacts),
        "--out",
        str(tmp_path / "n"),
        "--format",
        "npy",
    )
    assert _export(*args).returncode == 0
    np.testing.assert_array_equal(np.load(tmp_path / "n" / "user_ids.npy"), bundle.user_ids)
    item = np.load(tmp_path / "n" / "movie_item_embeddings.npy")
    assert item.shape[0] == len(bundle.movie_ids)


def test_a_bad_name_or_a_missing_bundle_is_one_line_and_writes_nothing(
    artifacts: Path, tmp_path: Path
) -> None:
    result = _export("similar", "--artifacts", str(artifacts), "--out", str(tmp_path / "x.txt"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert ".parquet or .csv" in result.stderr
    result = _export(
        "similar", "--artifacts", str(tmp_path / "none"), "--out", str(tmp_path / "y.csv")
    )
    assert result.returncode == 2 and "no artifact bundle" in result.stderr
    assert not list(tmp_path.glob("*.csv")) and not list(tmp_path.glob("*.txt"))


def test_recommendation_lists_are_what_the_api_answers(artifacts: Path, tmp_path: Path) -> None:
    bundle = load_bundle(resolve(artifacts))
    users = np.random.default_rng(1).choice(bundle.user_ids, 25, replace=False)
    (tmp_path / "users.txt").write_text("\n".join(map(str, users)) + "\n")
    with TestClient(create_app(Settings(artifacts=artifacts, data_dir=tmp_path))) as client:
        for ranker in ("none", "deepfm", None):
            out = tmp_path / f"recs-{ranker}.parquet"
            args = ["recommendations", "--artifacts", str(artifacts), "--out", str(out),
                    "--k", "6", "--users", str(tmp_path / "users.txt"), "--quiet"]  # fmt: skip
            assert _export(*args, *(["--ranker", ranker] if ranker else [])).returncode == 0
            lists = pd.read_parquet(out)
            assert list(lists.columns) == ["user", "rank", "movie", "score"]
            assert set(lists.user) == set(users.tolist())
            query = f"&ranker={ranker}" if ranker else ""
            for user in users:
                answer = client.get(f"/recommend/{user}?k=6{query}").json()["results"]
                exported = lists[lists.user == user].sort_values("rank")
                assert exported.movie.tolist() == [r["id"] for r in answer], (ranker, user)
                np.testing.assert_allclose(exported.score, [r["score"] for r in answer], rtol=1e-5)


def test_recommendations_refuse_unknown_users_and_rankers_in_one_line(
    artifacts: Path, tmp_path: Path
) -> None:
    (tmp_path / "users.txt").write_text("1\n987654321\n")
    out = tmp_path / "r.csv"
    base = ["recommendations", "--artifacts", str(artifacts), "--out", str(out), "--quiet"]
    result = _export(*base, "--users", str(tmp_path / "users.txt"))
    assert result.returncode == 2 and "987654321" in result.stderr
    assert result.stderr.count("\n") == 1
    result = _export(*base, "--ranker", "oracle")
    assert result.returncode == 2 and "unknown ranker 'oracle'" in result.stderr
    (tmp_path / "bad.txt").write_text("1\nuser-two\n")
    result = _export(*base, "--users", str(tmp_path / "bad.txt"))
    assert result.returncode == 2 and "not an integer id" in result.stderr
    assert not out.exists()
