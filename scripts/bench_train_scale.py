"""How `graphrec train` grows with the ratings: the epoch's cost per rating, each stage's
seconds and peak memory, on MovieLens-shaped data of 1 M, 5 M and 25 M ratings.

    python scripts/bench_train_scale.py [--sizes 1000000,5000000,25000000]
        [--root /tmp/graphrec-scale] [--full-up-to 5000000] [--quality-up-to 1000000]
        [--json bench/train_scale.json]

For each size the data is generated once (scripts/generate_movielens.py, seeded) under
``--root``. Then:

- **epoch** (every size, in this process): loading, the default GraphSAGE trainer's setup, one
  validation pass, and its epoch: ``--warmup`` steps, then ``--warmup + --steps``; their
  difference is the steady cost of a step, the epoch is its steps × that cost (or a whole
  epoch is run where it has fewer steps). The figure to watch is seconds per million
  fitting ratings, which is flat when an epoch is linear in the ratings.
  With its default ``epoch_steps`` an epoch runs at most that many of those steps: the
  budgeted epoch (its pass for the histories plus those steps) and the embedding stage it
  projects (epochs × (budgeted epoch + validation)) are reported beside the full pass.
- **train** (sizes up to ``--full-up-to``): `graphrec train --data DIR --quiet` (every
  default; ``--train-epochs N`` passes ``--epochs N``) as a child process: each stage's
  seconds from its manifest, the wall time, peak RSS.
- **quality** (sizes up to ``--quality-up-to``): `graphrec evaluate --protocol temporal
  --models ease,itemknn,recall`: what the bundle serves against EASE and item-kNN.

Writes the JSON (command, date, machine, commit, one row per size) and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from graphrec.data import load_movielens
from graphrec.eval.provenance import provenance
from graphrec.eval.report import write_json
from graphrec.train.config import SageConfig
from graphrec.train.sage_trainer import SageTrainer

SCRIPTS = Path(__file__).resolve().parent
QUALITY_MODELS = "ease,itemknn,recall"


def dataset_folder(root: Path, ratings: int) -> Path:
    """The generated folder for ``ratings``, made on first use."""
    folder = root / f"synthetic-{ratings}"
    if not (folder / "ratings.csv").is_file():
        subprocess.run([sys.executable, str(SCRIPTS / "generate_movielens.py"),
                        "--ratings", str(ratings), "--out", str(folder)], check=True)  # fmt: skip
    return folder


def measure_epoch(folder: Path, warmup: int, steps: int) -> dict[str, float]:
    """Load, setup, validation pass and epoch of the default trainer (module docstring)."""
    started = time.perf_counter()
    dataset = load_movielens(folder)
    loaded = time.perf_counter()
    config = SageConfig()
    trainer = SageTrainer(dataset, config.model_copy(update={"epoch_steps": None}))
    ready = time.perf_counter()
    fitting = int(trainer.fit_mask.sum())
    steps_per_epoch = -(-fitting // config.batch_size)
    if warmup + steps >= steps_per_epoch:
        begun = time.perf_counter()
        trainer.train_epoch()
        epoch, projected = time.perf_counter() - begun, False
        step, fixed = epoch / steps_per_epoch, 0.0
    else:
        runs = []
        for count in (warmup, warmup + steps):
            begun = time.perf_counter()
            trainer.train_epoch(max_steps=count)
            runs.append(time.perf_counter() - begun)
        step = (runs[1] - runs[0]) / steps
        epoch, projected = step * steps_per_epoch, True
        fixed = max(0.0, runs[0] - warmup * step)  # the epoch's pass for the histories
    begun = time.perf_counter()
    trainer.validate()
    validation = time.perf_counter() - begun
    run_steps = min(steps_per_epoch, config.epoch_steps or steps_per_epoch)
    budgeted = fixed + step * run_steps
    return {
        "ratings": len(dataset.users), "users": dataset.num_users,
        "movies": dataset.num_movies, "fitting_ratings": fitting,
        "load_seconds": round(loaded - started, 1), "setup_seconds": round(ready - loaded, 1),
        "steps_per_epoch": steps_per_epoch, "epoch_seconds": round(epoch, 1),
        "epoch_projected": projected,
        "epoch_seconds_per_million_ratings": round(epoch / fitting * 1e6, 2),
        "validation_seconds": round(validation, 1),
        "epoch_steps": run_steps, "step_seconds": round(step, 4),
        "epoch_fixed_seconds": round(fixed, 1), "budgeted_epoch_seconds": round(budgeted, 1),
        "embedding_projected_seconds": round(config.epochs * (budgeted + validation), 1),
        "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
    }  # fmt: skip


def measure_train(folder: Path, epochs: int) -> dict[str, object]:
    """`graphrec train` (every default, or ``--epochs`` when ``epochs`` > 0) as a child:
    stage seconds, wall time, peak RSS."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "graphrec", "train", "--data", str(folder),
                   "--out", out, "--quiet"]  # fmt: skip
        if epochs > 0:
            command += ["--epochs", str(epochs)]
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        stdout = child.stdout.read() if child.stdout else ""
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"graphrec train failed on {folder}")
        bundle = next(line.split(": ", 1)[1] for line in stdout.splitlines()
                      if line.startswith("bundle: "))  # fmt: skip
        manifest = json.loads((Path(bundle) / "manifest.json").read_text())
    return {
        "epochs": epochs,
        "wall_seconds": round(wall, 1),
        "stage_seconds": manifest["metrics"]["stage_seconds"],
        "peak_rss_gib": round(usage.ru_maxrss / 2**20, 2),
    }


def measure_quality(folder: Path) -> dict[str, dict[str, float]]:
    """`graphrec evaluate` (temporal) of the served pipeline against EASE and item-kNN."""
    with tempfile.TemporaryDirectory() as out:
        path = Path(out) / "evaluate.json"
        subprocess.run([sys.executable, "-m", "graphrec", "evaluate", "--data", str(folder),
                        "--models", QUALITY_MODELS, "--json", str(path)],
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        results = json.loads(path.read_text())["results"]
    keep = ("ndcg@10", "recall@10", "next_item_hit@10")
    return {model: {k: round(figures[k], 4) for k in keep if k in figures}
            for model, figures in results.items()}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,5000000,25000000")
    parser.add_argument("--root", type=Path, default=Path(tempfile.gettempdir()) / "graphrec-scale")
    parser.add_argument("--warmup", type=int, default=20)
    # Both timed runs start with a pass over the whole graph (the histories), whose seconds
    # vary by a few at 25 M: over 40 steps that swung the projection by 3x; 300 bound it.
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--full-up-to", type=int, default=5_000_000)
    parser.add_argument("--quality-up-to", type=int, default=1_000_000)
    parser.add_argument(
        "--train-epochs", type=int, default=0, help="`graphrec train --epochs`; 0: its default"
    )
    parser.add_argument("--json", type=Path, default=Path("bench/train_scale.json"))
    args = parser.parse_args()
    started = time.perf_counter()
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        folder = dataset_folder(args.root, size)
        row: dict[str, object] = {"size": size}
        print(f"[{size:,}] epoch", file=sys.stderr, flush=True)
        row["epoch"] = measure_epoch(folder, args.warmup, args.steps)
        if size <= args.full_up_to:
            print(f"[{size:,}] graphrec train", file=sys.stderr, flush=True)
            row["train"] = measure_train(folder, args.train_epochs)
        if size <= args.quality_up_to:
            print(f"[{size:,}] graphrec evaluate", file=sys.stderr, flush=True)
            row["quality"] = measure_quality(folder)
        rows.append(row)
        print(json.dumps(row), flush=True)
    base = rows[0]["epoch"]["epoch_seconds_per_million_ratings"]  # type: ignore[index]
    for row in rows:
        epoch = row["epoch"]
        assert isinstance(epoch, dict)
        epoch["per_rating_ratio_to_smallest"] = round(
            epoch["epoch_seconds_per_million_ratings"] / base, 2
        )
    print(format_table(rows))
    meta = provenance("scripts/bench_train_scale.py", sys.argv[1:])
    write_json(args.json, meta | {"seconds": round(time.perf_counter() - started, 1),
                                  "rows": rows})  # fmt: skip


def format_table(rows: list[dict[str, object]]) -> str:
    """One line per size: epoch cost, its ratio to the smallest, and the whole command."""
    lines = [
        "| ratings | full pass s | s / M ratings | ratio | budgeted epoch s | validation s "
        "| embedding stage s (projected) | train s | peak RSS GiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        e: dict = row["epoch"]  # type: ignore[assignment]
        t: dict = row.get("train", {})  # type: ignore[assignment]
        lines.append(
            f"| {e['ratings']:,} | {e['epoch_seconds']} | {e['epoch_seconds_per_million_ratings']}"
            f" | {e['per_rating_ratio_to_smallest']} | {e['budgeted_epoch_seconds']}"
            f" | {e['validation_seconds']} | {e['embedding_projected_seconds']}"
            f" | {t.get('wall_seconds', '—')} | {t.get('peak_rss_gib', e['peak_rss_gib'])} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
