"""The `graphrec` command: train, evaluate, serve, data. User errors print one line, exit 2."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from graphrec.errors import ConfigError, GraphrecError

if TYPE_CHECKING:
    from api.settings import Settings

#: Names `train` and `evaluate` accept; kept here so that `--help` needs no heavy import.
TRAIN_MODELS = ("sage", "pinsage")
DATA_HELP = "a MovieLens folder, an interaction-log folder or FILE.toml (default: bundled)"
MODEL_NAMES = (
    "pop",
    "itemknn",
    "cooc",
    "ease",
    "bpr",
    "lightgcn",
    "sage",
    "pinsage",
    "recall",
    "recall+two_tower",
    "recall+deepfm",
)
PROTOCOL_NAMES = ("temporal", "global-temporal", "stratified", "leave-last-out")

EXIT_OK, EXIT_BAD_INPUT = 0, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # what --nproc's helpers rerun
    if args.command in ("train", "evaluate"):
        from graphrec.memory import keep_freed_memory
        from graphrec.train import use_deterministic_kernels

        use_deterministic_kernels()
        keep_freed_memory()
    quiet = getattr(args, "quiet", False)
    level = logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(message)s", stream=sys.stderr)
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)  # its CPU-feature probing
    try:
        args.run(args)
    except GraphrecError as exc:
        print(f"graphrec: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    return EXIT_OK


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``graphrec: error: …`` and exit code 2, no usage dump."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"graphrec: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="graphrec", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = commands.add_parser("train", help="train embeddings and write an artifact bundle")
    train.add_argument("--data", type=Path, help=DATA_HELP)
    train.add_argument("--out", type=Path, default=Path("artifacts"), help="bundle root folder")
    train.add_argument(
        "--model", default=TRAIN_MODELS[0], help=f"embedding model ({', '.join(TRAIN_MODELS)})"
    )
    train.add_argument(
        "--epochs", type=_positive_int, help="most epochs (early stopping may end sooner)"
    )
    train.add_argument("--seed", type=int, default=0)
    train.add_argument(
        "--nproc", type=_positive_int, default=1,
        help="data-parallel processes on this machine (torch.distributed, gloo); "
        "under torchrun the group comes from its environment instead",
    )  # fmt: skip
    train.add_argument(
        "--device", default="cpu", help="auto, cpu or cuda (PinSAGE; auto: a GPU if any)"
    )
    train.add_argument(
        "--quiet", action="store_true", help="no progress bars or log lines, only the summary"
    )
    train.set_defaults(run=_train)

    evaluate = commands.add_parser("evaluate", help="score models on a held-out split")
    evaluate.add_argument(
        "--data",
        type=Path,
        help="MovieLens folder, interaction-log folder or FILE.toml (default: bundled)",
    )
    evaluate.add_argument("--protocol", default="temporal", help=", ".join(PROTOCOL_NAMES))
    evaluate.add_argument("--k", type=_positive_int, default=10, help="cut-off of every metric")
    evaluate.add_argument("--models", default=",".join(MODEL_NAMES), help="comma-separated")
    evaluate.add_argument(
        "--model", default=TRAIN_MODELS[0],
        help=f"embedding model of the served rows recall, recall+… ({', '.join(TRAIN_MODELS)})",
    )  # fmt: skip
    evaluate.add_argument("--ratio", type=float, default=0.75, help="stratified: train share")
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("--train", type=Path, help="ratings csv of a split made elsewhere")
    evaluate.add_argument("--test", type=Path, help="ratings csv of a split made elsewhere")
    evaluate.add_argument("--json", type=Path, help="write the results here")
    evaluate.add_argument("--recs-out", type=Path, help="write <model>.csv of top-k per user")
    evaluate.add_argument("--plot", type=Path, help="draw the models side by side (PNG)")
    evaluate.add_argument("--baseline", metavar="M",
                          help="add every model's paired difference against model M")  # fmt: skip
    evaluate.add_argument(
        "--cold-start", action="store_true", help="evaluate cold-start embeddings instead"
    )
    evaluate.add_argument("--cold-movies", type=_positive_int, default=100,
                          help="--cold-start: movies held out entirely")  # fmt: skip
    evaluate.set_defaults(run=_evaluate)

    serve = commands.add_parser("serve", help="serve the current bundle over HTTP")
    serve.add_argument(
        "--artifacts", type=Path, help="bundle root (default: $GRAPHREC_ARTIFACTS, or artifacts)"
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=_positive_int, default=1,
                       help="processes serving the same port, sharing the store")  # fmt: skip
    serve.add_argument("--json-access-log", action="store_true",
                       help="a JSON line per request instead of uvicorn's access log")  # fmt: skip
    serve.add_argument("--no-access-log", action="store_true",
                       help="no line per request at all")  # fmt: skip
    serve.add_argument(
        "--threads", type=int, default=1,
        help="threads each request's numeric work may use (default 1: requests run side by side)",
    )  # fmt: skip
    serve.set_defaults(run=_serve)

    experiments = commands.add_parser("experiments", help="what the online experiments say")
    experiment_commands = experiments.add_subparsers(dest="experiments_command", required=True)
    report = experiment_commands.add_parser(
        "report", help="per A/B arm and interleaved pair, from the store (a running server "
        "writes impressions within 0.2 s; GET /experiments/report flushes first)",
    )  # fmt: skip
    report.add_argument("--artifacts", type=Path, default=Path("artifacts"))
    report.add_argument("--data-dir", type=Path, help="where store.sqlite is (default: artifacts)")
    report.add_argument("--json", action="store_true", help="print the report as JSON")
    report.set_defaults(run=_experiments_report)

    export = commands.add_parser(
        "export", help="vectors, similar lists and recommendation lists out of a bundle"
    )
    export_commands = export.add_subparsers(dest="export_command", required=True)
    embeddings = export_commands.add_parser(
        "embeddings", help="movie and user vectors with their ids (movies.parquet, users.parquet)"
    )
    embeddings.add_argument("--artifacts", type=Path, default=Path("artifacts"))
    embeddings.add_argument("--out", type=Path, required=True, help="folder to write")
    embeddings.add_argument("--format", choices=("parquet", "npy"), default="parquet")
    embeddings.set_defaults(run=_export_embeddings)
    similar = export_commands.add_parser(
        "similar", help="every movie's k nearest, as GET /similar answers (movie, rank, "
        "similar, score)",
    )  # fmt: skip
    similar.add_argument("--artifacts", type=Path, default=Path("artifacts"))
    similar.add_argument("--out", type=Path, required=True, help="FILE.parquet or FILE.csv")
    similar.add_argument("--k", type=_positive_int, default=10)
    similar.set_defaults(run=_export_similar)
    recommendations = export_commands.add_parser(
        "recommendations", help="every user's top k, as GET /recommend answers from the bundle "
        "(user, rank, movie, score)",
    )  # fmt: skip
    recommendations.add_argument("--artifacts", type=Path, default=Path("artifacts"))
    recommendations.add_argument("--out", type=Path, required=True, help="FILE.parquet or FILE.csv")
    recommendations.add_argument("--k", type=_positive_int, default=10)
    recommendations.add_argument(
        "--ranker", help="two_tower, deepfm or none (recall order); the bundle's default arm "
        "otherwise",
    )  # fmt: skip
    recommendations.add_argument(
        "--users", type=Path, help="a file of user ids, one per line (every user otherwise)"
    )
    recommendations.add_argument("--quiet", action="store_true", help="no progress bar")
    recommendations.set_defaults(run=_export_recommendations)

    data = commands.add_parser("data", help="download or describe a MovieLens dataset")
    data_commands = data.add_subparsers(dest="data_command", required=True)
    download = data_commands.add_parser("download", help="fetch a published MovieLens zip")
    download.add_argument("name", help="ml-latest-small, ml-100k, ml-1m, ml-10m, ml-25m, …")
    download.add_argument("--dest", type=Path, default=Path("data"), help="parent folder")
    download.add_argument("--base-url", help="mirror holding NAME.zip and NAME.zip.md5")
    download.set_defaults(run=_data_download)
    info = data_commands.add_parser("info", help="counts, density, degrees and components")
    info.add_argument(
        "dir",
        type=Path,
        nargs="?",
        help="MovieLens folder, interaction-log folder or FILE.toml (default: bundled)",
    )
    info.set_defaults(run=_data_info)
    return parser


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _train(args: argparse.Namespace) -> None:
    from graphrec.pipeline import follow_training, train_bundle
    from graphrec.progress import Progress
    from graphrec.train.devices import resolve_device
    from graphrec.train.distributed import join_from_environment, launch_helpers, leave

    started = time.perf_counter()
    device = resolve_device(args.device, args.model)
    helpers = launch_helpers(args.nproc, args.argv) if args.nproc > 1 and not _ranked() else []
    world = join_from_environment(device)
    succeeded = False
    try:
        if not world.is_main:
            follow_training(args.data, world, model=args.model, epochs=args.epochs,
                            seed=args.seed)  # fmt: skip
            succeeded = True
            return
        path, figures = train_bundle(
            args.data, args.out, model=args.model, epochs=args.epochs, seed=args.seed,
            progress=Progress(enabled=not args.quiet), world=world,
        )  # fmt: skip
        succeeded = True
    finally:
        leave(world)
        for helper in helpers:  # they finish with rank 0's last epoch; a failure stops them
            if not succeeded:
                helper.terminate()
            helper.wait()
    print(f"bundle: {path}")
    for name, value in figures.items():
        print(f"{name}: {value}")
    print(f"total_seconds: {time.perf_counter() - started:.1f}")


def _ranked() -> bool:
    """Whether this process already has a rank (torchrun's, or a helper ``--nproc`` started)."""
    return "RANK" in os.environ and int(os.environ.get("WORLD_SIZE", "1")) > 1


def _evaluate(args: argparse.Namespace) -> None:
    from graphrec.data.loaders import load_data
    from graphrec.eval import evaluate, make_split, split_from_files
    from graphrec.eval.report import document, format_intervals, format_table, plot, write_json

    models = [name.strip() for name in args.models.split(",") if name.strip()]
    unknown = [name for name in models if name not in MODEL_NAMES]
    if unknown or not models:
        raise ConfigError(f"unknown model {unknown[0] if unknown else '(none)'}; "
                          f"available: {', '.join(MODEL_NAMES)}")  # fmt: skip
    if args.model not in TRAIN_MODELS:
        raise ConfigError(f"unknown model {args.model!r}; available: {', '.join(TRAIN_MODELS)}")
    if args.baseline is not None and args.baseline not in models:
        raise ConfigError(f"--baseline {args.baseline} is not among --models "
                          f"({', '.join(models)})")  # fmt: skip
    if args.cold_start:
        _evaluate_cold_start(args)
        return
    if args.protocol not in PROTOCOL_NAMES:
        raise ConfigError(f"unknown protocol {args.protocol!r}; "
                          f"choose one of: {', '.join(PROTOCOL_NAMES)}")  # fmt: skip
    if (args.train is None) != (args.test is None):
        raise ConfigError("--train and --test go together")
    if args.train is not None:
        split = split_from_files(args.train, args.test, args.data)
    else:
        split = make_split(load_data(args.data), args.protocol, ratio=args.ratio, seed=args.seed)
    info = split.protocol
    print(f"protocol {info['name']}: {info['train_interactions']} train, "
          f"{info['test_interactions']} test interactions, {info['test_users']} test users "
          f"({info['test_users_absent_from_train']} absent from train, reported apart); "
          f"validation cut {info['validation']} {split.validation_fraction:g}",
          file=sys.stderr)  # fmt: skip

    def on_model(name: str) -> None:
        print(f"[{name}] fitting", file=sys.stderr, flush=True)

    def on_epoch(record: dict[str, float]) -> None:
        print(f"  epoch {int(record['epoch']):3d}  loss {record['loss']:.4f}  "
              f"val recall@20 {record['val_recall']:.4f}", file=sys.stderr, flush=True)  # fmt: skip

    results = evaluate(
        split, models, k=args.k, seed=args.seed, recs_out=args.recs_out, on_model=on_model,
        on_epoch=on_epoch, recall_model=args.model, baseline=args.baseline,
    )  # fmt: skip
    print(format_table(results, args.k))
    print()
    print(format_intervals(results, args.k))
    dataset = split.train
    if args.json is not None:
        write_json(args.json, document(dataset, split, args.k, results))
    if args.plot is not None:
        plot(results, args.k, args.plot, f"{dataset.name}, {info['name']} protocol, k={args.k}")


def _evaluate_cold_start(args: argparse.Namespace) -> None:
    from graphrec.data.loaders import load_data
    from graphrec.eval.coldstart import evaluate_cold_start
    from graphrec.eval.report import write_json
    from graphrec.train.config import PinSageConfig, SageConfig

    dataset = load_data(args.data)
    config = PinSageConfig() if args.model == "pinsage" else SageConfig()
    results = evaluate_cold_start(
        dataset, num_movies=args.cold_movies, k=args.k, seed=args.seed, config=config,
        on_stage=lambda text: print(f"[cold-start] {text}", file=sys.stderr, flush=True),
    )  # fmt: skip
    heads = [f"neighbour_overlap@{args.k}", f"next_item_hit@{args.k}"]
    print(f"{'method':<10}  " + "  ".join(f"{h:>20}" for h in heads))
    for method, figures in results.items():
        print(f"{method:<10}  " + "  ".join(f"{figures[h]:>20.4f}" for h in heads))
    if args.json is not None:
        protocol = {"name": "cold-start", "held_out_movies": args.cold_movies, "seed": args.seed,
                    "model": args.model}  # fmt: skip
        write_json(args.json, {"dataset": dataset.describe(), "protocol": protocol, "k": args.k,
                               "results": results})  # fmt: skip


def _serve(args: argparse.Namespace) -> None:
    # A request's numeric work is small (one search, 200 candidates): threads inside it only
    # fight the other requests' for the cores (p99 of /recommend with feedback streaming beside
    # it: 14.6 ms with the libraries' defaults, 6.7 ms with one thread each, 2 cores). The
    # variables must be set before numpy, torch and FAISS load their thread pools.
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, str(args.threads))
    import torch
    import uvicorn

    torch.set_num_threads(args.threads)
    # Requests share one interpreter lock; handing it over every 0.5 ms rather than 5 ms keeps
    # a short request from queueing behind a long one's whole time slice.
    sys.setswitchinterval(0.0005)

    from api.app import create_app
    from graphrec.artifacts import load_bundle

    settings = serve_settings(args)
    load_bundle(settings.artifacts)  # refuse a missing, old or damaged bundle before binding
    if args.workers > 1:
        # Each worker is a fresh process that builds the app from the environment; they share
        # the store and follow artifacts/current (api/app.py, _sync).
        os.environ["GRAPHREC_ARTIFACTS"] = str(settings.artifacts)
        os.environ["GRAPHREC_JSON_ACCESS_LOG"] = str(settings.json_access_log).lower()
        os.environ["GRAPHREC_ACCESS_LOG"] = str(settings.access_log).lower()
        from uvicorn.supervisors import Multiprocess

        from api.metrics import MULTIPROCESS_DIR

        config = uvicorn.Config("api.app:create_app", factory=True, workers=args.workers,
                                host=args.host, port=args.port, log_level="info",
                                access_log=settings.uvicorn_access_log)  # fmt: skip
        # Workers count into files here, so that /metrics sums them all (api/metrics.py).
        own_dir = not os.environ.get(MULTIPROCESS_DIR)
        if own_dir:
            os.environ[MULTIPROCESS_DIR] = tempfile.mkdtemp(prefix="graphrec-metrics-")
        try:
            Multiprocess(config, sockets=[listening_socket(args.host, args.port)]).run()
        finally:
            if own_dir:
                shutil.rmtree(os.environ.pop(MULTIPROCESS_DIR), ignore_errors=True)
        return
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info",
                access_log=settings.uvicorn_access_log)  # fmt: skip


def _export_embeddings(args: argparse.Namespace) -> None:
    from graphrec.artifacts import load_bundle, resolve
    from graphrec.export import export_embeddings

    for path in export_embeddings(load_bundle(resolve(args.artifacts)), args.out, args.format):
        print(path)


def _export_similar(args: argparse.Namespace) -> None:
    from graphrec.artifacts import load_bundle, resolve
    from graphrec.export import check_table_name, export_similar

    check_table_name(args.out)
    print(export_similar(load_bundle(resolve(args.artifacts)), args.out, args.k))


def _export_recommendations(args: argparse.Namespace) -> None:
    from graphrec.artifacts import load_bundle, resolve
    from graphrec.export import check_table_name, export_recommendations, read_user_ids
    from graphrec.progress import Progress

    check_table_name(args.out)
    users = None if args.users is None else read_user_ids(args.users)
    bundle = load_bundle(resolve(args.artifacts))
    progress = Progress(enabled=not args.quiet)
    print(export_recommendations(bundle, args.out, args.k, args.ranker, users, progress))


def _experiments_report(args: argparse.Namespace) -> None:
    import json

    from graphrec.experiments.report import experiment_report, format_report
    from graphrec.store import STORE_FILE, open_store

    url = os.environ.get("GRAPHREC_DATABASE_URL")
    folder = args.data_dir or args.artifacts
    if not url and not (folder / STORE_FILE).is_file():
        raise ConfigError(f"{folder / STORE_FILE}: no store here (start `graphrec serve` first)")
    store = open_store(url, folder)
    try:
        report = experiment_report(store.impressions(), store.clicks())
    finally:
        store.close()
    print(json.dumps(report, indent=2) if args.json else format_report(report))


def listening_socket(host: str, port: int) -> socket.socket:
    """The socket the workers share, made with its protocol number (TCP).

    uvicorn makes it with protocol 0, and asyncio then skips TCP_NODELAY on every accepted
    connection: Nagle's algorithm meets delayed ACKs and each answer waits 40 ms (2 workers,
    32 connections: 677 requests/s at p50 44 ms for a bare endpoint; 4,550 at 6.7 ms with this).
    """
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(address)
    sock.set_inheritable(True)
    return sock


def serve_settings(args: argparse.Namespace) -> Settings:
    """The server's settings: flags given on the command line, then ``GRAPHREC_*`` environment
    variables, then defaults (resolved here only)."""
    from pydantic import ValidationError

    from api.settings import Settings

    overrides: dict[str, object] = {}
    if args.artifacts is not None:
        overrides["artifacts"] = args.artifacts
    if args.json_access_log:
        overrides["json_access_log"] = True
    if args.no_access_log:
        overrides["access_log"] = False
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        name = "GRAPHREC_" + "_".join(str(part) for part in error["loc"]).upper()
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{name}: {message}") from exc


def _data_download(args: argparse.Namespace) -> None:
    from graphrec.data.download import DEFAULT_BASE_URL, download_dataset

    last = [0.0]

    def progress(done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - last[0] >= 1.0 or (total is not None and done == total):
            last[0] = now
            share = f" of {total / 1e6:.1f}" if total else ""
            print(f"\r{done / 1e6:.1f}{share} MB", end="", file=sys.stderr, flush=True)

    try:
        path = download_dataset(
            args.name, args.dest, base_url=args.base_url or DEFAULT_BASE_URL, progress=progress
        )
    finally:  # end the progress line, so that an error starts a line of its own
        if last[0]:
            print(file=sys.stderr)
    print(path)


def _data_info(args: argparse.Namespace) -> None:
    from graphrec.data.loaders import load_data
    from graphrec.graph import BipartiteGraph, graph_stats

    dataset = load_data(args.dir)
    graph = BipartiteGraph.from_interactions(
        dataset.users, dataset.movies, dataset.num_users, dataset.num_movies
    )
    stats = graph_stats(graph)
    rated = int((graph.movie_degrees() > 0).sum())
    print(f"dataset: {dataset.name}")
    print(f"users: {dataset.num_users}")
    print(f"movies: {dataset.num_movies} ({rated} rated)")
    print(f"interactions: {dataset.num_interactions} ({graph.num_edges} distinct user-movie edges)")
    print(f"density: {stats.density:.5f}")
    table = dataset.movie_table
    print(f"genres: {len(table.genre_names)}  tags: {len(table.tag_names)}  "
          f"years: {int((table.years > 0).sum())}  "
          f"timestamps: {'yes' if dataset.has_timestamps else 'no'}")  # fmt: skip
    for label, quantiles in (("user degree", stats.user_degree_quantiles),
                             ("movie degree", stats.movie_degree_quantiles)):  # fmt: skip
        cells = "  ".join(f"q{int(q * 100)}={v:g}" for q, v in quantiles.items())
        print(f"{label}: {cells}")
    print(f"components: {stats.num_components} (largest {stats.largest_component} nodes, "
          f"{stats.isolated_movies} unrated movies; counted with {stats.method})")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
