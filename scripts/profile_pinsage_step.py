"""Where a PinSAGE training step's time goes, on a synthetic graph of ``--edges`` ratings.

Builds the graph and trainer as ``bench_scale.py`` does, prepares ``--steps`` second-epoch
batches (hard negatives on) in this process, then prints:

- batch building: seconds per batch, and cProfile's top functions over them;
- the step (forward, loss, backward, both optimisers): seconds per step, and torch.profiler's
  top operators by self CPU time, with their input shapes.

    python scripts/profile_pinsage_step.py --edges 1000000
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time

import torch
from bench_scale import synthetic  # a sibling script: its directory is on sys.path
from torch.profiler import ProfilerActivity, profile

from graphrec.train.config import PinSageConfig
from graphrec.train.pinsage_batches import PairBatch, PairBatches
from graphrec.train.pinsage_trainer import PinSageTrainer
from graphrec.train.row_adam import sparse_rows


def step(trainer: PinSageTrainer, batch: PairBatch) -> None:
    """One training step exactly as ``PinSageTrainer.train_epoch`` takes it."""
    loss = trainer._loss(batch)
    trainer.optimizer.zero_grad()
    loss.backward()
    trainer.optimizer.step()
    trainer.row_optimizer.step(*sparse_rows(trainer.model.movie_embedding.weight), distinct=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--steps", type=int, default=20, help="batches built and stepped")
    parser.add_argument("--top", type=int, default=15, help="rows of each table")
    args = parser.parse_args(argv)
    trainer = PinSageTrainer(synthetic(args.edges), PinSageConfig(seed=0))
    batches = PairBatches(
        trainer.queries, trainer.positives, trainer.sampling,
        batch_size=trainer.config.batch_size, num_hard=1, epoch=2, seed=0,
    )  # fmt: skip

    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    prepared = [batches[i] for i in range(args.steps)]
    profiler.disable()
    building = (time.perf_counter() - started) / args.steps
    nodes = sum(len(b.movies) for b in prepared) / args.steps
    print(f"batch building: {building * 1e3:.1f} ms a batch ({nodes:,.0f} input movies)")
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(args.top)
    print(text.getvalue())

    trainer.model.train()
    for batch in prepared[:3]:  # warm-up: allocator, thread pool
        step(trainer, batch)
    started = time.perf_counter()
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as timings:
        for batch in prepared[3:]:
            step(trainer, batch)
    seconds = (time.perf_counter() - started) / (args.steps - 3)
    print(f"training step: {seconds * 1e3:.1f} ms a step (profiler on), "
          f"{torch.get_num_threads()} threads")  # fmt: skip
    print(
        timings.key_averages(group_by_input_shape=True).table(
            sort_by="self_cpu_time_total", row_limit=args.top, max_name_column_width=28,
            max_shapes_column_width=48,
        )
    )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
