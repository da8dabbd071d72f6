"""Data-parallel PinSAGE training on torch.distributed: the group, its collectives, a launcher.

Every rank holds the same model (same seed, same walks) and takes its share of each batch's
pairs; the partial losses add up to the whole batch's loss, so summing the ranks' gradients
gives the one-process gradient and every rank applies the same update. Dense gradients travel
in one flat all-reduce; the id embedding's sparse rows are all-gathered (each rank touches
different rows, and a dense all-reduce of the table would move the whole catalogue every step).
Rank 0 validates and decides each epoch whether all ranks go on.

The group is the one torchrun describes (``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``,
``MASTER_PORT``); ``graphrec train --nproc N`` sets those itself for N processes on loopback.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, cast

import torch
import torch.distributed as dist
from torch import Tensor

from graphrec.errors import ConfigError

#: How long a rank waits for the others, rank 0's validation and final embedding included.
TIMEOUT = timedelta(hours=2)


@dataclass
class World:
    """This process's place in the group; ``size`` 1 is plain single-process training."""

    rank: int = 0
    size: int = 1
    #: Ranks on this machine: they share its cores.
    local_size: int = 1
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    #: Seconds spent in collectives since the last :meth:`take_comm_seconds`.
    comm_seconds: float = field(default=0.0, repr=False)

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @contextmanager
    def sharing_cores(self) -> Iterator[None]:
        """Each rank on a machine trains with its share of the cores, then gives them back."""
        before = torch.get_num_threads()
        if self.local_size > 1:
            torch.set_num_threads(max(1, (os.cpu_count() or 1) // self.local_size))
        try:
            yield
        finally:
            torch.set_num_threads(before)

    def all_reduce_grads(self, parameters: Iterable[Tensor], extra: Tensor) -> Tensor:
        """Sum every parameter's gradient (and ``extra``, e.g. the loss) over the ranks, in
        one flat buffer; returns the summed ``extra``."""
        parameters = list(parameters)
        if self.size == 1:
            return extra
        started = time.perf_counter()
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in parameters]
        flat = torch.cat([g.reshape(-1) for g in grads] + [extra.detach().reshape(-1)])
        dist.all_reduce(flat)
        offset = 0
        for parameter, grad in zip(parameters, grads, strict=True):
            n = grad.numel()
            parameter.grad = flat[offset : offset + n].view_as(grad)
            offset += n
        self.comm_seconds += time.perf_counter() - started
        return flat[offset:].view_as(extra)

    def gather_rows(self, rows: Tensor, values: Tensor) -> tuple[Tensor, Tensor]:
        """Every rank's sparse rows and their values, concatenated in rank order."""
        if self.size == 1:
            return rows, values
        started = time.perf_counter()
        lengths = _lengths(len(rows), self.size, rows.device)
        merged = _all_gather(rows, lengths), _all_gather(values, lengths)
        self.comm_seconds += time.perf_counter() - started
        return merged

    def gather_batch(self, rows: Tensor, ids: Tensor) -> tuple[Tensor, Tensor, int]:
        """Every rank's ``rows`` (with their gradients flowing back to their ranks) and
        ``ids``, concatenated in rank order, and where this rank's rows start among them:
        what an in-batch softmax needs to see the whole batch."""
        if self.size == 1:
            return rows, ids, 0
        started = time.perf_counter()
        lengths = _lengths(len(rows), self.size, rows.device)
        gathered = cast(Tensor, _GatherRows.apply(rows, lengths, self.rank))
        merged_ids = _all_gather(ids, lengths)
        self.comm_seconds += time.perf_counter() - started
        return gathered, merged_ids, sum(lengths[: self.rank])

    def go_on(self, decision: bool | None = None) -> bool:
        """Rank 0 says whether every rank trains another epoch; the others hear it."""
        if self.size == 1:
            return bool(decision)
        flag = torch.tensor([int(bool(decision)) if self.is_main else 0], device=self.device)
        dist.broadcast(flag, src=0)
        return bool(flag.item())

    def follow(self, train_epoch: Callable[[], object]) -> int:
        """A helper rank's part: run ``train_epoch`` each time rank 0 calls for an epoch;
        returns the epochs run."""
        epochs = 0
        with self.sharing_cores():
            while self.go_on():
                train_epoch()
                epochs += 1
        return epochs

    def take_comm_seconds(self) -> float:
        seconds, self.comm_seconds = self.comm_seconds, 0.0
        return seconds


def _lengths(length: int, size: int, device: torch.device) -> list[int]:
    """Every rank's ``length``, in rank order."""
    count = torch.tensor([length], dtype=torch.int64, device=device)
    counts = [torch.empty_like(count) for _ in range(size)]
    dist.all_gather(counts, count)
    return [int(c) for c in counts]


def _all_gather(tensor: Tensor, lengths: list[int]) -> Tensor:
    """Every rank's rows of ``tensor`` (``lengths[r]`` of them on rank ``r``), concatenated:
    padded to the longest, since all_gather moves tensors of one shape."""
    padded = tensor.new_zeros((max(lengths), *tensor.shape[1:]))
    padded[: len(tensor)] = tensor
    parts = [torch.empty_like(padded) for _ in lengths]
    dist.all_gather(parts, padded)
    return torch.cat([p[:n] for p, n in zip(parts, lengths, strict=True)])


class _GatherRows(torch.autograd.Function):
    """:func:`_all_gather` with a gradient: backward sums every rank's gradient of the
    gathered rows (one all-reduce, which every backend has) and keeps this rank's share."""

    @staticmethod
    def forward(ctx: Any, rows: Tensor, lengths: list[int], rank: int) -> Tensor:
        ctx.lengths, ctx.rank = lengths, rank
        return _all_gather(rows, lengths)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor, None, None]:
        grad = grad.contiguous()
        dist.all_reduce(grad)
        start = sum(ctx.lengths[: ctx.rank])
        return grad[start : start + ctx.lengths[ctx.rank]], None, None


def join_from_environment(device: torch.device) -> World:
    """The group torchrun (or ``--nproc``) described in the environment, joined; a one-process
    :class:`World` when there is none. NCCL when training on CUDA, gloo on the CPU."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size <= 1:
        return World(device=device)
    missing = [n for n in ("RANK", "MASTER_ADDR", "MASTER_PORT") if n not in os.environ]
    if missing:
        raise ConfigError(f"WORLD_SIZE={size} but {', '.join(missing)} not set (see torchrun)")
    rank = int(os.environ["RANK"])
    local_size = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))
    if not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        dist.init_process_group(backend, rank=rank, world_size=size, timeout=TIMEOUT)
    return World(rank=rank, size=size, local_size=local_size, device=device)


def leave(world: World) -> None:
    """Tear the group down (a no-op for one process)."""
    if world.size > 1 and dist.is_initialized():
        dist.destroy_process_group()


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def launch_helpers(nproc: int, argv: Sequence[str]) -> list[subprocess.Popen[bytes]]:
    """Start ranks 1..nproc-1 as ``python -m graphrec <argv>`` on loopback, and describe the
    group in this process's environment as its rank 0."""
    os.environ.update(
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(free_port()),
        WORLD_SIZE=str(nproc),
        LOCAL_WORLD_SIZE=str(nproc),
        RANK="0",
        LOCAL_RANK="0",
    )
    return [
        subprocess.Popen(
            [sys.executable, "-m", "graphrec", *argv],
            env=os.environ | {"RANK": str(rank), "LOCAL_RANK": str(rank)},
        )
        for rank in range(1, nproc)
    ]
