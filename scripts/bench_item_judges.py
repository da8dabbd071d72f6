"""Item-to-item judges on the bundled data: `/similar`'s scores against counting.

Runs `graphrec evaluate`'s runner under `temporal` (choices on validation, judges on the
training side's movies, next-item hit on the test side) for the peers `cooc` and `ease`, the
embedding models, and `recall` (what `graphrec train` serves: its `/similar` order is the
`recall` row's item scores), each with 95 % intervals and the paired difference against
`cooc`. Writes bench/item_judges.json (the evaluate document plus command, date, machine and
commit) and prints the intervals table.

    python scripts/bench_item_judges.py [--models cooc,ease,...] [--k 10] [--out bench]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from graphrec.data import load_movielens
from graphrec.eval import evaluate, make_split
from graphrec.eval.provenance import provenance
from graphrec.eval.report import document, format_intervals, write_json
from graphrec.memory import keep_freed_memory
from graphrec.train import use_deterministic_kernels

DEFAULT_MODELS = ("cooc", "ease", "itemknn", "sage", "pinsage", "recall")
BASELINE = "cooc"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS))
    parser.add_argument("--protocol", default="temporal")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("bench"))
    args = parser.parse_args()
    use_deterministic_kernels()
    keep_freed_memory()
    logging.basicConfig(level=logging.WARNING)
    started = time.perf_counter()
    dataset = load_movielens()
    split = make_split(dataset, args.protocol, seed=args.seed)
    results = evaluate(
        split, args.models.split(","), k=args.k, seed=args.seed, baseline=BASELINE,
        on_model=lambda name: print(f"[{args.protocol}] {name}", file=sys.stderr, flush=True),
    )  # fmt: skip
    print(format_intervals(results, args.k))
    meta = provenance("scripts/bench_item_judges.py", sys.argv[1:]) | {
        "seconds": round(time.perf_counter() - started, 1),
    }
    write_json(args.out / "item_judges.json", meta | document(dataset, split, args.k, results))


if __name__ == "__main__":
    main()
