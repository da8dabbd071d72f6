"""Data-parallel PinSAGE and GraphSAGE: ranks' shares add up to one process's batch and step,
and `graphrec train --nproc 2` on loopback writes a bundle that serves, for either model."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F

from graphrec.errors import ConfigError
from graphrec.train.config import SageConfig
from graphrec.train.devices import resolve_device
from graphrec.train.distributed import World, free_port
from graphrec.train.pinsage_batches import PairBatch, PairBatches
from graphrec.train.pinsage_trainer import PinSageTrainer
from graphrec.train.row_adam import sparse_rows
from graphrec.train.sage_trainer import SageTrainer
from tests.conftest import bundled_slice, planted
from tests.serving import GRAPHREC, get, serve, stop
from tests.train.test_pinsage_trainer import TINY

EPOCHS = 2  # the second has hard negatives


def test_rank_shares_add_up_to_the_batch() -> None:
    trainer = PinSageTrainer(planted(), TINY)

    def batch(rank: int = 0, world_size: int = 1) -> PairBatch:
        return PairBatches(
            trainer.queries, trainer.positives, trainer.sampling, batch_size=16, num_hard=1,
            epoch=2, seed=0, rank=rank, world_size=world_size,
        )[0]  # fmt: skip

    whole = batch()
    shares = [batch(r, 2) for r in range(2)]

    def pairs(batch: PairBatch) -> set[tuple[tuple[int, ...], int]]:
        targets = batch.movies[: batch.layers[-1].num_dst]
        query = torch.where(batch.query_mask > 0, targets[batch.query], -1)
        return set(zip(map(tuple, query.tolist()), targets[batch.positive].tolist(), strict=True))

    assert pairs(shares[0]) | pairs(shares[1]) == pairs(whole)
    assert len(shares[0].query) + len(shares[1].query) == len(whole.query)
    for share in shares:
        targets = share.movies[: share.layers[-1].num_dst]
        assert sorted(targets[share.negatives].tolist()) == sorted(
            whole.movies[: whole.layers[-1].num_dst][whole.negatives].tolist()
        )
        assert share.shared_denominator == whole.shared_denominator == 16 * TINY.num_negatives
        assert share.hard_denominator == whole.hard_denominator
    assert sum(int(s.hard_mask.sum()) for s in shares) == whole.hard_denominator


def batch_gradients(trainer: PinSageTrainer) -> dict[str, torch.Tensor]:
    """The summed gradient of one second-epoch batch (hard negatives on) over every rank."""
    world = trainer.world
    batch = PairBatches(
        trainer.queries, trainer.positives, trainer.sampling, batch_size=TINY.batch_size,
        num_hard=1, epoch=2, seed=0, rank=world.rank, world_size=world.size,
    )[0]  # fmt: skip
    loss = trainer._loss(batch)
    loss.backward()
    loss = world.all_reduce_grads(trainer.dense, loss.detach())
    weight = trainer.model.movie_embedding.weight
    rows, values = world.gather_rows(*sparse_rows(weight))
    grads = {
        "loss": loss,
        "movie_embedding.weight": torch.zeros_like(weight).index_add_(0, rows, values),
    }
    for name, parameter in trainer.model.named_parameters():
        if parameter.grad is not None:
            grads[name] = parameter.grad.clone()
            parameter.grad = None
    return grads


def _train_rank(rank: int, port: int, out: str) -> None:
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2)
    trainer = PinSageTrainer(planted(), TINY, World(rank=rank, size=2))
    grads = batch_gradients(trainer)
    for _ in range(EPOCHS):
        trainer.train_epoch()
    if rank == 0:
        torch.save({"grads": grads, "movies": torch.from_numpy(trainer.embed_movies())}, out)
    dist.destroy_process_group()


def test_two_ranks_take_the_steps_one_process_takes(tmp_path: Path) -> None:
    alone = PinSageTrainer(planted(), TINY)
    grads = batch_gradients(alone)
    for _ in range(EPOCHS):
        alone.train_epoch()
    movies = torch.from_numpy(alone.embed_movies())
    runs = []
    for attempt in range(2):  # the same seed and ranks twice: the same model
        out = tmp_path / f"rank0-{attempt}.pt"
        mp.spawn(_train_rank, args=(free_port(), str(out)), nprocs=2, join=True)
        runs.append(torch.load(out, weights_only=True))
    assert torch.equal(runs[0]["movies"], runs[1]["movies"])
    # The ranks' partial gradients add up to the whole batch's (to float rounding)...
    assert runs[0]["grads"].keys() == grads.keys()
    for name, grad in grads.items():
        torch.testing.assert_close(runs[0]["grads"][name], grad, atol=1e-6, rtol=1e-4, msg=name)
    # ... so training follows the same path; Adam magnifies rounding in near-zero gradients,
    # so the weights agree closely rather than exactly.
    cosine = (runs[0]["movies"] * movies).sum(-1)
    assert float(cosine.mean()) > 0.99


SAGE = SageConfig(dim=8, epochs=2, batch_size=64)


def sage_batch_gradients(trainer: SageTrainer) -> dict[str, torch.Tensor]:
    """The summed gradient of the first batch of an epoch over every rank."""
    world = trainer.world
    with torch.no_grad():
        histories = trainer.model.states(trainer.features, trainer.adjacency)[1:-1]
    batch = np.random.default_rng(0).permutation(len(trainer.fit_edges[0]))[: SAGE.batch_size]
    loss = trainer._batch_loss(batch, None, histories)
    loss.backward()
    grads = {"loss": world.all_reduce_grads(trainer.dense, loss.detach())}
    for table in (trainer.model.user_embedding.weight, trainer.model.movie_embedding.weight):
        rows, values = world.gather_rows(*sparse_rows(table))
        grads[str(tuple(table.shape))] = torch.zeros_like(table).index_add_(0, rows, values)
    for name, parameter in trainer.model.named_parameters():
        if parameter.grad is not None and not parameter.grad.is_sparse:
            grads[name] = parameter.grad.clone()
    return grads


def _sage_rank(rank: int, port: int, layers: int, out: str) -> None:
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2)
    config = SAGE.model_copy(update={"num_layers": layers})
    grads = sage_batch_gradients(SageTrainer(planted(), config, World(rank=rank, size=2)))
    if rank == 0:
        torch.save(grads, out)
    dist.destroy_process_group()


@pytest.mark.parametrize("layers", [1, 2])
def test_two_sage_ranks_sum_to_the_one_process_gradient(tmp_path: Path, layers: int) -> None:
    config = SAGE.model_copy(update={"num_layers": layers})
    alone = sage_batch_gradients(SageTrainer(planted(), config))
    out = tmp_path / "rank0.pt"
    mp.spawn(_sage_rank, args=(free_port(), layers, str(out)), nprocs=2, join=True)
    shared = torch.load(out, weights_only=True)
    assert shared.keys() == alone.keys() and len(alone) > 4
    for name, grad in alone.items():
        assert grad.abs().sum() > 0, name
        if layers == 1:  # one layer reads no history: exactly the one-process sums
            torch.testing.assert_close(shared[name], grad, atol=1e-6, rtol=1e-4, msg=name)
        else:  # a neighbour in the other rank's share is read from the histories, gradient-free
            cosine = F.cosine_similarity(shared[name].ravel(), grad.ravel(), dim=0)
            assert cosine > 0.97, name  # 0.98-1.0 on this graph


@pytest.mark.parametrize("model", ["pinsage", "sage"])
def test_nproc_2_writes_a_bundle_that_serves(tmp_path: Path, model: str) -> None:
    data = bundled_slice(tmp_path / "data", num_users=40)
    artifacts = tmp_path / "artifacts"
    done = subprocess.run(
        [*GRAPHREC, "train", "--model", model, "--nproc", "2", "--epochs", "2",
         "--data", str(data), "--out", str(artifacts), "--quiet"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    manifest = next(artifacts.glob("*/manifest.json")).read_text()
    assert '"processes": 2' in manifest
    base, server = serve(artifacts, {})
    try:
        status, body = get(f"{base}/similar/1?k=5")
        assert status == 200 and len(body["results"]) == 5
    finally:
        stop(server)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks a machine without CUDA")
def test_devices_without_cuda() -> None:
    assert resolve_device("auto", "pinsage") == torch.device("cpu")
    assert resolve_device("cpu", "pinsage") == torch.device("cpu")
    with pytest.raises(ConfigError, match="no CUDA"):
        resolve_device("cuda", "pinsage")
    with pytest.raises(ConfigError, match="unknown device"):
        resolve_device("tpu", "pinsage")
