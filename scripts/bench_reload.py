"""Reloads under load: `/similar` kept busy by wrk while `POST /admin/reload` swaps bundles.

Copies the bundle ``--artifacts`` serves into two versions (the second's manifest names another
version) and a damaged third (its index overwritten). wrk (Debian's, 2 threads, 32 connections)
keeps `/similar/1?k=10` busy for ``--seconds``, first with no reload (steady), then while every
``--every`` seconds ``artifacts/current`` is pointed at the other version and reloaded; one swap
in five points at the damaged bundle, which must be refused (409) while the old one answers.
With ``--workers 2`` the reload reaches one worker over HTTP and the other by following
``artifacts/current``. Prints, per worker count, failed requests (wrk's non-2xx and socket
errors), p50/p99 steady and during reloads, their ratio, and every reload's answer.

    python scripts/bench_reload.py --artifacts artifacts --json bench/reload.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench_live import Server  # `graphrec serve` on a free port (scripts/ is on the path)
from bench_throughput import _ms, _wait_ready

from graphrec.artifacts import MANIFEST, point_current, resolve
from graphrec.eval.report import write_json


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=Path, default=Path("artifacts"))
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--every", type=float, default=2.0, help="seconds between reloads")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-reload-") as tmp:
        root = Path(tmp) / "artifacts"
        _versions(resolve(args.artifacts), root)
        for workers in args.workers:
            point_current(root, "a")
            with Server(Path(tmp), {}, ("--workers", str(workers))) as server:
                _wait_ready(f"http://127.0.0.1:{server.port}")
                steady = _wrk(server.port, args.seconds)
                reloads: list[dict[str, Any]] = []
                stop = threading.Event()
                swapper = threading.Thread(target=_swap, args=(server, root, args.every, stop,
                                                               reloads))  # fmt: skip
                swapper.start()
                try:
                    loaded = _wrk(server.port, args.seconds)
                finally:
                    stop.set()
                    swapper.join()
            damaged = [r for r in reloads if r["to"] == "bad"]
            row = {
                "workers": workers, "steady": steady, "reloading": loaded, "reloads": reloads,
                "failed_requests": loaded["non_2xx"] + loaded["socket_errors"],
                "p99_ratio": round(loaded["p99_ms"] / steady["p99_ms"], 3),
                "damaged_refused": all(r["status"] == 409 for r in damaged),
                "old_version_kept": all(r["serving"] == r["before"] for r in damaged),
            }  # fmt: skip
            print(json.dumps({k: v for k, v in row.items() if k != "reloads"}), flush=True)
            rows.append(row)
    report = {"seconds": args.seconds, "every": args.every, "connections": 32, "rows": rows}
    print(json.dumps(report, indent=2))
    if args.json:
        write_json(args.json, report)


def _versions(bundle: Path, root: Path) -> None:
    """``root/a`` (the bundle), ``root/b`` (the same, another version) and ``root/bad``."""
    root.mkdir(parents=True)
    for name in ("a", "b", "bad"):
        shutil.copytree(bundle, root / name)
    manifest = json.loads((root / "b" / MANIFEST).read_text())
    manifest["version"] = manifest["version"] + "-b"
    (root / "b" / MANIFEST).write_text(json.dumps(manifest, indent=2))
    (root / "bad" / "index.faiss").write_bytes(b"not an index")


def _swap(
    server: Server, root: Path, every: float, stop: threading.Event, log: list[dict[str, Any]]
) -> None:
    """Every ``every`` seconds: point current at the other bundle (the damaged one in five
    swaps) and reload; record what the server answered and what it serves after."""
    serving, turn, start = "a", 0, time.monotonic()
    while not stop.wait(max(0.0, start + (turn + 1) * every - time.monotonic())):
        turn += 1
        target = "bad" if turn % 5 == 3 else ("b" if serving == "a" else "a")
        before = server.request("GET", "/health")[1]["model_version"]
        point_current(root, target)
        started = time.perf_counter()
        status, _ = server.request("POST", "/admin/reload")
        seconds = time.perf_counter() - started
        after = server.request("GET", "/health")[1]["model_version"]
        log.append({"to": target, "status": status, "seconds": round(seconds, 3),
                    "before": before, "serving": after})  # fmt: skip
        if status == 200:
            serving = target
        else:
            point_current(root, serving)  # leave current on a bundle that loads


def _wrk(port: int, seconds: int) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}/similar/1?k=10"
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    rps = float(out.split("Requests/sec:")[1].split()[0])
    quantiles = dict(line.split() for line in out.splitlines()
                     if line.strip().startswith(("50%", "99%")))  # fmt: skip
    non_2xx = out.split("Non-2xx or 3xx responses:")[1].split()[0] if "Non-2xx" in out else "0"
    errors = 0
    if "Socket errors:" in out:
        parts = out.split("Socket errors:")[1].splitlines()[0].replace(",", "").split()
        errors = sum(int(value) for value in parts[1::2])
    return {"requests_per_s": rps, "p50_ms": _ms(quantiles["50%"]),
            "p99_ms": _ms(quantiles["99%"]), "non_2xx": int(non_2xx),
            "socket_errors": errors}  # fmt: skip


if __name__ == "__main__":
    main()
