"""``es-pipeline``: every stage outside DVC (debugging one month, scripts) plus the demo.

Each subcommand calls the same stage runner the notebooks call, so there is one way a
month is processed whether it runs in ``dvc repro``, a notebook or a shell.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from es_pipeline.errors import DEBUG_ENV, PipelineError
from es_pipeline.stages.common import setup_logging


def _generate(args) -> None:
    from es_pipeline.synth import generate_month

    print(generate_month(args.month, args.out, seed=args.seed, days=args.days, symbology=args.symbology))


def _ingest(args) -> None:
    from es_pipeline.storage import read_raw_month

    raw = read_raw_month(args.raw)
    by_symbol = raw.groupby("symbol").agg(records=("volume", "size"), volume=("volume", "sum"),
                                          first=("ts_event", "min"), last=("ts_event", "max"))
    print(f"{args.raw}: {len(raw):,} records, {raw['instrument_id'].nunique()} instruments")
    print(by_symbol.to_string())


def _filter(args) -> None:
    from es_pipeline.stages.filter import run

    run(args.raw, args.month, args.out, args.metrics, args.params_dir)


def _label(args) -> None:
    from es_pipeline.stages.label import run

    run(args.filtered, args.out, args.metrics, args.params_dir)


def _featurize(args) -> None:
    from es_pipeline.stages.featurize import run

    run(args.filtered, args.out, args.metrics, args.params_dir)


def _dataset(args) -> None:
    from es_pipeline.stages.dataset import run

    run(args.data_root, args.out, args.metrics, args.params_dir)


def _months_sync(args) -> None:
    from es_pipeline.months import sync
    from es_pipeline.storage import remote_location

    location = remote_location(args.remote)
    months = sync(location, Path(args.params_dir) / "months.yaml")
    print(f"{len(months)} month(s) at {location.url}:")
    for month, name in months.items():
        print(f"  {month}  {name}")


def _demo(args) -> None:
    from es_pipeline.demo import run_demo

    run_demo(days=args.days)


def _check_params(args) -> None:
    from es_pipeline.params import load_params

    load_params(args.params_dir)


def _plots_template(args) -> None:
    from es_pipeline.plots_page import write_template

    print(f"wrote {write_template(args.out)} (dvc plots pages draw offline)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="es-pipeline", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name, handler, help_text):
        cmd = sub.add_parser(name, help=help_text)
        cmd.set_defaults(handler=handler)
        return cmd

    gen = add("generate", _generate, "write a realistic synthetic raw month (real DBN file)")
    gen.add_argument("--month", required=True, help="YYYY-MM")
    gen.add_argument("--out", required=True, help="PATH.ohlcv-1s.dbn.zst")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--days", type=int, default=None, help="keep only the first N trading days")
    gen.add_argument("--symbology", choices=("raw_symbol", "parent"), default="raw_symbol",
                     help="parent: map only ES.FUT and write the definition file beside it")

    ing = add("ingest", _ingest, "read a raw month and print what it holds")
    ing.add_argument("raw", help="path, s3://bucket/key or remote://raw/<object>")

    for name, handler, help_text, source in (
        ("filter", _filter, "filter one raw month to the 1-second session grid", "raw"),
        ("label", _label, "label one filtered month (6 trade modes)", "filtered"),
        ("featurize", _featurize, "compute the 43 features of one filtered month", "filtered"),
    ):
        cmd = add(name, handler, help_text)
        cmd.add_argument(source)
        if name == "filter":
            cmd.add_argument("--month", required=True, help="YYYY-MM")
        cmd.add_argument("--out", required=True)
        cmd.add_argument("--metrics", default=None, help="also write the stage's metrics JSON here")
        cmd.add_argument("--params-dir", default="params")

    ds = add("dataset", _dataset, "assemble all listed months into the partitioned dataset")
    ds.add_argument("--data-root", default="data")
    ds.add_argument("--out", default="data/dataset")
    ds.add_argument("--metrics", default="metrics/dataset.json")
    ds.add_argument("--params-dir", default="params")

    months = add("months", None, "the month list")
    months_sub = months.add_subparsers(dest="months_command", required=True)
    sync = months_sub.add_parser("sync", help="list the raw location and rewrite params/months.yaml")
    sync.set_defaults(handler=_months_sync)
    sync.add_argument("--remote", default="raw", help="DVC remote holding the raw months")
    sync.add_argument("--params-dir", default="params")

    check = add("check-params", _check_params,
                "validate params/*.yaml (stages run this first: a bad value fails in one line)")
    check.add_argument("--params-dir", default="params")

    page = add("plots-template", _plots_template, "write the offline page template dvc plots uses")
    page.add_argument("--out", default=".dvc/plots/offline.html")

    demo = add("demo", _demo, "generate the default months, dvc repro, dvc push, print a summary")
    demo.add_argument("--days", type=int, default=None, help="generate only N trading days a month")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging()
    try:
        args.handler(args)
    except PipelineError as exc:
        if os.environ.get(DEBUG_ENV, "") not in ("", "0"):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
