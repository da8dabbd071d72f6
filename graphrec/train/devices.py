"""Where training runs: ``--device auto|cpu|cuda``, resolved once, with a clear error."""

from __future__ import annotations

import os

import torch

from graphrec.errors import ConfigError

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(name: str, model: str) -> torch.device:
    """The device ``graphrec train --device name`` means for ``model``.

    ``auto`` takes a CUDA device when PyTorch sees one (this rank's ``LOCAL_RANK``-th when
    several ranks share a machine) and the CPU otherwise. Only PinSAGE's minibatch trainer
    moves to a GPU; GraphSAGE's trainer (its histories in host memory) stays on the CPU.
    """
    if name not in DEVICES:
        raise ConfigError(f"unknown device {name!r}; available: {', '.join(DEVICES)}")
    available = torch.cuda.is_available()
    if name == "cuda" and not available:
        raise ConfigError("--device cuda, but PyTorch sees no CUDA device (a CPU-only build?)")
    if name == "cuda" and model != "pinsage":
        raise ConfigError(f"--device cuda trains --model pinsage only, not {model!r}")
    if name == "cpu" or not available or model != "pinsage":
        return torch.device("cpu")
    return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
