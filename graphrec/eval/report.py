"""Presenting results: the stdout table, the JSON document of DESIGN.md, and a bar chart."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from graphrec.data.dataset import InteractionDataset
from graphrec.eval.protocols import Split

Results = dict[str, dict[str, Any]]

#: The item-to-item judges (graphrec.eval.item_judges), after next-item hit.
JUDGES = ("franchise_recall", "genre_jaccard", "neighbour_popularity", "similar_coverage")


def columns(k: int) -> list[str]:
    """Metric columns in table and JSON order."""
    names = ["ndcg", "recall", "precision", "map", "hit", "mrr", "coverage", "next_item_hit"]
    return [f"{name}@{k}" for name in (*names, *JUDGES)] + ["train_seconds"]


def format_table(results: Results, k: int) -> str:
    """A fixed-width table, one row per model."""
    heads = columns(k)
    width = max([len("model"), *map(len, results)])
    lines = ["  ".join([f"{'model':<{width}}", *(f"{h:>{max(len(h), 8)}}" for h in heads)])]
    for name, figures in results.items():
        cells = [f"{figures[h]:>{max(len(h), 8)}.4f}" for h in heads[:-1]]
        cells.append(f"{figures[heads[-1]]:>{len(heads[-1])}.1f}")
        extra = [
            f"{key} {value:.4f}"
            for key, value in figures.items()
            if key not in heads and isinstance(value, float | int)
        ]
        lines.append("  ".join([f"{name:<{width}}", *cells, *extra]))
    return "\n".join(lines)


def format_intervals(results: Results, k: int) -> str:
    """The headline and item-to-item figures with their 95 % intervals, one row per model,
    and each model's paired difference against the baseline where one was named."""
    heads = [f"{name}@{k}" for name in ("ndcg", "next_item_hit", *JUDGES)]
    width = max([len("model"), *map(len, results)])
    lines = ["95 % bootstrap intervals (users for ndcg and next-item hit, query movies for the "
             "item-to-item judges)",
             "  ".join([f"{'model':<{width}}", *(f"{h:>24}" for h in heads)])]  # fmt: skip
    for name, figures in results.items():
        cells = [_cell(figures.get("intervals", {}).get(h)) for h in heads]
        lines.append("  ".join([f"{name:<{width}}", *cells]))
        baseline = figures.get("baseline")
        if baseline:
            cells = [_cell(baseline["differences"].get(h), signed=True) for h in heads]
            lines.append("  ".join([f"{'  − ' + baseline['model']:<{width}}", *cells]))
    return "\n".join(lines)


def _cell(figure: dict[str, float] | None, *, signed: bool = False) -> str:
    if figure is None:
        return f"{'—':>24}"
    sign = "+" if signed else ""
    text = f"{figure['value']:{sign}.4f} [{figure['low']:{sign}.3f}, {figure['high']:{sign}.3f}]"
    return f"{text:>24}"


def document(dataset: InteractionDataset, split: Split, k: int, results: Results) -> dict[str, Any]:
    """``{"dataset", "protocol", "k", "results"}`` as DESIGN.md fixes it."""
    return {
        "dataset": dataset.describe(),
        "protocol": split.protocol,
        "k": k,
        # Model-specific figures (a ranker's auc, logloss) follow the fixed columns.
        "results": {
            name: {h: figures[h] for h in columns(k)}
            | {key: value for key, value in figures.items() if key not in columns(k)}
            for name, figures in results.items()
        },
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write atomically: a temporary file in the same folder, then ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
    os.chmod(tmp, 0o644)  # mkstemp makes it private; a results file is for everyone to read
    os.replace(tmp, path)


def plot(results: Results, k: int, path: Path, title: str) -> None:
    """Grouped bars: one group per metric, one bar per model (headless, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = columns(k)[:-1]
    fig, ax = plt.subplots(figsize=(max(8, 1.4 * len(metrics)), 4.5))
    width = 0.8 / max(1, len(results))
    for i, (name, figures) in enumerate(results.items()):
        xs = [m + i * width for m in range(len(metrics))]
        ax.bar(xs, [figures[h] for h in metrics], width=width, label=name)
    ax.set_xticks([m + 0.4 - width / 2 for m in range(len(metrics))], metrics, rotation=20)
    ax.set_title(title)
    ax.legend(ncols=min(len(results), 4), fontsize="small")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)
