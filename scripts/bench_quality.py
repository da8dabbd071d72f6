"""Quality scoreboard on the bundled data: every model under `temporal` and `stratified`.

Writes bench/quality.json (one DESIGN.md evaluate document per protocol) and bench/quality.md
(markdown tables for the README's results section).

    python scripts/bench_quality.py [--models pop,itemknn,...] [--k 10] [--out bench]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from graphrec.data import load_movielens
from graphrec.eval import MODELS, evaluate, make_split
from graphrec.eval.provenance import provenance
from graphrec.eval.report import columns, document, write_json
from graphrec.memory import keep_freed_memory
from graphrec.train import use_deterministic_kernels

PROTOCOLS = ("temporal", "stratified")
#: What `graphrec train` serves (recall order, and reordered by each ranker), both embedding
#: models, and the strongest baselines.
DEFAULT_MODELS = (
    "recall", "recall+two_tower", "recall+deepfm", "pinsage", "sage", "ease", "itemknn", "pop",
)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models", default=",".join(DEFAULT_MODELS), help=f"of {', '.join(MODELS)}"
    )
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("bench"))
    args = parser.parse_args()
    use_deterministic_kernels()
    keep_freed_memory()  # as `graphrec train` and `evaluate` do
    logging.basicConfig(level=logging.WARNING)
    models = args.models.split(",")
    dataset = load_movielens()
    documents, sections = {}, []
    for protocol in PROTOCOLS:
        started = time.perf_counter()
        split = make_split(dataset, protocol, seed=args.seed)
        results = evaluate(
            split, models, k=args.k, seed=args.seed,
            on_model=lambda name, tag=protocol: print(f"[{tag}] {name}", file=sys.stderr),
        )  # fmt: skip
        documents[protocol] = document(dataset, split, args.k, results)
        seconds = time.perf_counter() - started
        sections.append(_markdown(protocol, results, args.k, seconds))
        print(sections[-1], flush=True)
    write_json(
        args.out / "quality.json",
        provenance("scripts/bench_quality.py", sys.argv[1:]) | {"protocols": documents},
    )
    (args.out / "quality.md").write_text("\n\n".join(sections) + "\n")


def _markdown(protocol: str, results: dict[str, dict[str, float]], k: int, seconds: float) -> str:
    heads = columns(k)
    lines = [
        f"**{protocol}** (bundled ml-latest-small, k={k}, whole run {seconds:.0f} s here)",
        "",
        "| model | " + " | ".join(heads) + " |",
        "|---" * (len(heads) + 1) + "|",
    ]
    for name, figures in results.items():
        cells = [f"{figures[h]:.4f}" for h in heads[:-1]] + [f"{figures[heads[-1]]:.1f}"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
