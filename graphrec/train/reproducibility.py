"""Reproducible runs: same seed, same data → same embeddings, bit for bit."""

import torch


def use_deterministic_kernels() -> None:
    """Make PyTorch pick deterministic kernels process-wide.

    Without it, multi-threaded sparse aggregation sums in varying order and two seeded trainings
    on the bundled data differ in the fourth decimal of their metrics. Applications (the CLI, the
    benchmark scripts) call this once at start; the library does not change global state itself.
    """
    torch.use_deterministic_algorithms(True)
