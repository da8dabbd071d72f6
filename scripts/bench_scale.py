"""How PinSAGE's stages grow with the graph: walks, training epoch, inference, peak memory.

Builds a synthetic user–movie graph with about ``--edges`` ratings: users and movies scale with
the edge count (the bundled data's 610 users and 9,742 movies per 100,836 ratings), and both
sides draw from power laws, as real interaction logs do. Run it once per size, for example

    python scripts/bench_scale.py --edges 1000000 --json bench/scale_1m.json
    python scripts/bench_scale.py --edges 10000000 --json bench/scale_10m.json

An epoch is one pass over every training pair (one per edge, less each user's first). At ten
million edges that is tens of thousands of steps, so the script projects the epoch
(``epoch_projected``): every epoch pays once to start its DataLoader worker and fill the
prefetch queue, then the same cost per step, so it times ``--warmup`` steps and ``--warmup`` +
``--batches`` steps through the real pipeline; the difference gives the steady cost per step,
the remainder the start-up, and the epoch is start-up + steps × cost per step. ``--full-epoch``
runs the whole epoch instead.

``--nproc P`` trains data-parallel (torch.distributed, gloo on loopback): P processes, each
with its share of the cores, each taking its share of every batch. Each rank reports its step
time, the part of it spent in collectives (the dense all-reduce and the sparse rows' all-
gather) and its peak memory; the epoch projection counts the same steps, which are shorter.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import cast

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from graphrec.data.dataset import InteractionDataset, MovieTable
from graphrec.eval.report import write_json
from graphrec.train.config import PinSageConfig
from graphrec.train.distributed import World, free_port
from graphrec.train.pinsage_trainer import PinSageTrainer

#: The bundled ml-latest-small: nodes per edge, kept as the graph grows.
USERS_PER_EDGE = 610 / 100_836
MOVIES_PER_EDGE = 9_742 / 100_836
NUM_GENRES = 20


def synthetic(edges: int, seed: int = 0) -> InteractionDataset:
    """``edges`` distinct ratings between power-law users and movies (Zipf 0.8 and 1.0)."""
    rng = np.random.default_rng(seed)
    num_users = max(2, round(edges * USERS_PER_EDGE))
    num_movies = max(2, round(edges * MOVIES_PER_EDGE))
    user_p = 1.0 / np.arange(1, num_users + 1) ** 0.8
    movie_p = 1.0 / np.arange(1, num_movies + 1) ** 1.0
    keys = np.empty(0, dtype=np.int64)
    while len(keys) < edges:  # repeated pairs collapse into one edge: draw until enough
        need = edges - len(keys)
        users = rng.choice(num_users, size=need, p=user_p / user_p.sum()).astype(np.int64)
        movies = rng.choice(num_movies, size=need, p=movie_p / movie_p.sum())
        keys = np.unique(np.concatenate([keys, users * num_movies + movies]))
    keys = rng.permutation(keys)[:edges]
    users, movies = keys // num_movies, keys % num_movies
    n = len(keys)
    table = MovieTable(
        titles=np.array([f"movie {i}" for i in range(num_movies)], dtype=object),
        genre_names=[f"g{i}" for i in range(NUM_GENRES)],
        genres=rng.random((num_movies, NUM_GENRES)) < 0.12,
        years=rng.integers(1930, 2024, num_movies),
    )
    return InteractionDataset(
        name=f"synthetic-{edges}",
        user_ids=np.arange(num_users),
        movie_ids=np.arange(num_movies),
        users=users,
        movies=movies,
        ratings=rng.integers(1, 11, n).astype(np.float32) / 2,
        timestamps=rng.integers(0, 10**9, n),
        movie_table=table,
    )


def peak_rss_mib() -> dict[str, float]:
    """Peak resident memory of this process and of its finished children (the workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_rss_mib": round(own, 1), "peak_rss_workers_mib": round(children, 1)}


def time_epoch(
    trainer: PinSageTrainer, batches_per_epoch: int, args: argparse.Namespace
) -> dict[str, object]:
    """Seconds of one training epoch: measured whole, or start-up + steps × steady step cost;
    with several ranks, also the seconds per step spent in collectives."""
    if args.full_epoch or args.warmup + args.batches >= batches_per_epoch:
        started = time.perf_counter()
        comm_seconds = trainer.train_epoch().get("comm_seconds", 0.0)
        seconds = time.perf_counter() - started
        return {"batches_timed": batches_per_epoch, "epoch_startup_seconds": None,
                "seconds_per_batch": round(seconds / batches_per_epoch, 4),
                "comm_seconds_per_batch": round(comm_seconds / batches_per_epoch, 4),
                "epoch_seconds": round(seconds, 1), "epoch_projected": False}  # fmt: skip
    runs: list[float] = []
    comm: list[float] = []
    for steps in (args.warmup, args.warmup + args.batches):
        trainer.epoch = 1  # both runs are second epochs: hard negatives on, as from then on
        started = time.perf_counter()
        comm.append(trainer.train_epoch(max_batches=steps).get("comm_seconds", 0.0))
        runs.append(time.perf_counter() - started)
    per_batch = (runs[1] - runs[0]) / args.batches
    startup = max(runs[0] - args.warmup * per_batch, 0.0)
    return {
        "batches_timed": args.batches,
        "epoch_startup_seconds": round(startup, 2),
        "seconds_per_batch": round(per_batch, 4),
        "comm_seconds_per_batch": round((comm[1] - comm[0]) / args.batches, 4),
        "epoch_seconds": round(startup + per_batch * batches_per_epoch, 1),
        "epoch_projected": True,
    }


def measure(args: argparse.Namespace, world: World) -> dict[str, object]:
    """Every stage on this rank, in the order a training run meets them."""
    torch.manual_seed(args.seed)
    loud = world.is_main
    started = time.perf_counter()
    dataset = synthetic(args.edges, args.seed)
    figures: dict[str, object] = {
        "edges": len(dataset.users),
        "users": dataset.num_users,
        "movies": dataset.num_movies,
        "threads": torch.get_num_threads(),
        "generate_seconds": round(time.perf_counter() - started, 2),
    }
    if loud:
        print(f"graph: {figures['edges']:,} edges, {dataset.num_users:,} users, "
              f"{dataset.num_movies:,} movies", flush=True)  # fmt: skip

    config = PinSageConfig(seed=args.seed)
    started = time.perf_counter()
    trainer = PinSageTrainer(dataset, config, world)
    figures["setup_seconds"] = round(time.perf_counter() - started, 2)

    walk_seconds = trainer.walk_seconds  # its importance neighbourhoods, built in setup
    walkers = int((trainer.fit_graph.movie_degrees() > 0).sum()) * config.walks_per_movie
    figures |= {
        "walk_seconds": round(walk_seconds, 2),
        "walks": walkers,
        "walks_per_second": round(walkers / walk_seconds),
        "hops_per_second": round(walkers * config.walk_length / walk_seconds),
    }
    if loud:
        print(f"walks: {walkers:,} in {walk_seconds:.1f} s", flush=True)

    pairs = len(trainer.queries)
    batches_per_epoch = -(-pairs // config.batch_size)
    figures |= {"pairs_per_epoch": pairs, "batches_per_epoch": batches_per_epoch}
    with world.sharing_cores():
        figures["training_threads"] = torch.get_num_threads()
        figures |= time_epoch(trainer, batches_per_epoch, args)
    epoch_seconds = cast(float, figures["epoch_seconds"])
    figures["epoch_seconds_per_million_edges"] = round(
        epoch_seconds / (len(dataset.users) / 1e6), 1
    )
    if loud:
        print(f"training: {figures['seconds_per_batch']} s per step, start-up "
              f"{figures['epoch_startup_seconds']} s → epoch {figures['epoch_seconds']} s",
              flush=True)  # fmt: skip

    if world.is_main:
        started = time.perf_counter()
        trainer.embed_movies()
        inference_seconds = time.perf_counter() - started
        figures["inference_seconds"] = round(inference_seconds, 2)
        print(f"inference over {dataset.num_movies:,} movies: {inference_seconds:.1f} s",
              flush=True)  # fmt: skip
    return figures | peak_rss_mib()


def _rank(rank: int, args: argparse.Namespace, port: int) -> None:
    """One of ``--nproc`` processes; rank 0 collects every rank's figures and reports them."""
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=args.nproc)  # fmt: skip
    world = World(rank=rank, size=args.nproc, local_size=args.nproc)
    figures = measure(args, world)
    everyone: list[dict[str, object] | None] = [None] * args.nproc
    dist.all_gather_object(everyone, figures)
    dist.destroy_process_group()
    if rank == 0:
        ranks = [f for f in everyone if f is not None]
        keys = ("seconds_per_batch", "comm_seconds_per_batch", "peak_rss_mib",
                "training_threads")  # fmt: skip
        report(args, figures | {"nproc": args.nproc,
                                "ranks": [{k: f[k] for k in keys} for f in ranks]})  # fmt: skip


def report(args: argparse.Namespace, figures: dict[str, object]) -> None:
    print(json.dumps(figures, indent=2))
    if args.json:
        write_json(args.json, figures)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--batches", type=int, default=1000, help="steps timed for the epoch")
    parser.add_argument("--warmup", type=int, default=20, help="steps that absorb start-up")
    parser.add_argument("--full-epoch", action="store_true", help="time the whole epoch")
    parser.add_argument("--nproc", type=int, default=1, help="data-parallel processes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    if args.edges < 1000:
        parser.error("--edges must be at least 1000")
    if args.nproc < 1:
        parser.error("--nproc must be at least 1")
    if args.nproc == 1:
        report(args, measure(args, World()) | {"nproc": 1})
    else:
        mp.spawn(_rank, args=(args, free_port()), nprocs=args.nproc, join=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
