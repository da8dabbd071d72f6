"""`graphrec evaluate` end to end on a slice of the bundled data, with fast models; the printed
figures are recomputed from --recs-out by an independent implementation."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from graphrec.cli import main
from tests.conftest import bundled_slice


def _independent_metrics(recs: pd.DataFrame, test: pd.DataFrame, k: int) -> dict[str, float]:
    """Plain-Python re-implementation of DESIGN.md's definitions, one user at a time."""
    relevant = test.groupby("userId")["movieId"].apply(set).to_dict()
    totals = {"ndcg": 0.0, "recall": 0.0, "precision": 0.0, "map": 0.0, "hit": 0.0, "mrr": 0.0}
    users = recs["userId"].unique()
    for user in users:
        ranked = recs[recs["userId"] == user].sort_values("rank")["movieId"].tolist()
        rel = relevant[user]
        hits = [movie in rel for movie in ranked[:k]]
        dcg = sum(1 / math.log2(i + 2) for i, h in enumerate(hits) if h)
        idcg = sum(1 / math.log2(i + 2) for i in range(min(k, len(rel))))
        precisions = [sum(hits[: i + 1]) / (i + 1) for i, h in enumerate(hits) if h]
        first = next((i + 1 for i, h in enumerate(hits) if h), None)
        totals["ndcg"] += dcg / idcg
        totals["recall"] += sum(hits) / len(rel)
        totals["precision"] += sum(hits) / k
        totals["map"] += sum(precisions) / min(k, len(rel))
        totals["hit"] += float(any(hits))
        totals["mrr"] += 1 / first if first else 0.0
    return {f"{name}@{k}": value / len(users) for name, value in totals.items()}


def test_evaluate_json_recs_plot_and_recomputation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = bundled_slice(tmp_path / "data", num_users=80)
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    ratings = pd.read_csv(data / "ratings.csv").sort_values(["userId", "timestamp"])
    cut = ratings.groupby("userId").cumcount(ascending=False) < 3  # each user's last 3 are test
    ratings[~cut].to_csv(train, index=False)
    ratings[cut].to_csv(test, index=False)
    out = tmp_path / "results.json"
    code = main([
        "evaluate", "--data", str(data), "--train", str(train), "--test", str(test),
        "--models", "pop,itemknn,cooc", "--k", "5", "--json", str(out), "--baseline", "pop",
        "--recs-out", str(tmp_path / "recs"), "--plot", str(tmp_path / "plot.png"),
    ])  # fmt: skip
    assert code == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split()[:3] == ["model", "ndcg@5", "recall@5"]
    document = json.loads(out.read_text())
    assert document["k"] == 5 and document["protocol"]["name"] == "files"
    assert set(document["results"]) == {"pop", "itemknn", "cooc"}
    judges = {"franchise_recall@5", "genre_jaccard@5", "neighbour_popularity@5",
              "similar_coverage@5"}  # fmt: skip
    assert set(document["results"]["pop"]) >= {"ndcg@5", "next_item_hit@5", "train_seconds"}
    for model, figures in document["results"].items():
        assert set(figures) >= judges
        for name in ("ndcg@5", "next_item_hit@5", *judges):
            bounds = figures["intervals"][name]
            assert bounds["low"] - 1e-5 <= figures[name] <= bounds["high"] + 1e-5
            assert bounds["value"] == pytest.approx(figures[name], abs=1e-6)
        if model == "pop":
            assert "baseline" not in figures
        else:
            differences = figures["baseline"]["differences"]
            assert figures["baseline"]["model"] == "pop"
            gap = figures["ndcg@5"] - document["results"]["pop"]["ndcg@5"]
            assert differences["ndcg@5"]["value"] == pytest.approx(gap, abs=1e-6)
    # Co-occurrence's lists use titles nowhere, yet know more of a movie's kin than popularity.
    cooc, pop = document["results"]["cooc"], document["results"]["pop"]
    assert cooc["genre_jaccard@5"] > pop["genre_jaccard@5"]
    assert "95 % bootstrap intervals" in table
    assert (tmp_path / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    test_frame = pd.read_csv(test)
    for model in ("pop", "itemknn"):
        recs = pd.read_csv(tmp_path / "recs" / f"{model}.csv")
        assert list(recs.columns) == ["userId", "rank", "movieId"]
        assert recs.groupby("userId")["rank"].apply(list).map(lambda r: r == [1, 2, 3, 4, 5]).all()
        recomputed = _independent_metrics(recs, test_frame, k=5)
        recomputed["coverage@5"] = recs["movieId"].nunique() / len(pd.read_csv(data / "movies.csv"))
        for name, value in recomputed.items():
            assert document["results"][model][name] == pytest.approx(value, abs=1e-6)
        train_pairs = set(pd.read_csv(train)[["userId", "movieId"]].itertuples(index=False))
        assert not train_pairs & set(recs[["userId", "movieId"]].itertuples(index=False))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--protocol", "random"], "unknown protocol 'random'"),
        (["--k", "0"], "argument --k: must be at least 1, got 0"),
        (["--k", "-3"], "argument --k: must be at least 1, got -3"),
        (["--protocol", "stratified", "--ratio", "1.2"], r"--ratio must lie in (0, 1), got 1.2"),
        (["--models", "pop,word2vec"], "unknown model word2vec"),
        (["--train", "x.csv"], "--train and --test go together"),
        (["--baseline", "ease"], "--baseline ease is not among --models"),
    ],
)
def test_bad_input_one_line_exit_2(
    argv: list[str], message: str, tiny_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        raise SystemExit(main(["evaluate", "--data", str(tiny_csv), "--models", "pop", *argv]))
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("graphrec: error: ") and message in err[-1]
    assert not any("Traceback" in line for line in err)


def test_test_users_absent_from_train_exit_2(
    tiny_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "train.csv").write_text("userId,movieId,rating,timestamp\n1,10,4,1\n")
    (tmp_path / "test.csv").write_text("userId,movieId,rating,timestamp\n2,10,4,2\n")
    argv = ["evaluate", "--data", str(tiny_csv), "--train", str(tmp_path / "train.csv"),
            "--test", str(tmp_path / "test.csv"), "--models", "pop"]  # fmt: skip
    assert main(argv) == 2
    assert "test users are absent from train.csv" in capsys.readouterr().err
