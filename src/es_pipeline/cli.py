"""``es-pipeline``: every stage outside DVC (debugging one month, scripts) plus the demo.

Each subcommand calls the same stage runner the notebooks call, so there is one way a
month is processed whether it runs in ``dvc repro``, a notebook or a shell.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from es_pipeline.core.errors import DEBUG_ENV, PipelineError
from es_pipeline.core.logs import setup_logging


def _generate(args: argparse.Namespace) -> None:
    from es_pipeline.synth import generate_month

    print(generate_month(args.month, args.out, seed=args.seed, days=args.days, symbology=args.symbology))


def _ingest(args: argparse.Namespace) -> None:
    from es_pipeline.core.params import load_market
    from es_pipeline.filter.storage import read_raw_month

    raw = read_raw_month(args.raw, args.definition, root=load_market(args.params_dir).root_symbol)
    by_symbol = raw.groupby("symbol").agg(records=("volume", "size"), volume=("volume", "sum"),
                                          first=("ts_event", "min"), last=("ts_event", "max"))
    print(f"{args.raw}: {len(raw):,} records, {raw['instrument_id'].nunique()} instruments")
    print(by_symbol.to_string())


def _filter(args: argparse.Namespace) -> None:
    from es_pipeline.filter.stage import run

    run(raw=args.raw, month=args.month, out=args.out, metrics_out=args.metrics, params_dir=args.params_dir,
        symbols=args.definition)


def _label(args: argparse.Namespace) -> None:
    from es_pipeline.label.stage import run

    run(filtered=args.filtered, out=args.out, metrics_out=args.metrics, params_dir=args.params_dir)


def _featurize(args: argparse.Namespace) -> None:
    from es_pipeline.features.stage import run

    run(filtered=args.filtered, out=args.out, metrics_out=args.metrics, params_dir=args.params_dir)


def _dataset(args: argparse.Namespace) -> None:
    from es_pipeline.dataset.stage import run

    run(month=args.month, data_root=args.data_root, out=args.out, metrics_out=args.metrics)


def _decay(args: argparse.Namespace) -> None:
    from es_pipeline.dataset.decay import run

    run(out=args.out, params_dir=args.params_dir)


def _fingerprint(args: argparse.Namespace) -> None:
    from es_pipeline.ops.fingerprint import write_fingerprint

    found = write_fingerprint(args.stage, args.out, params_dir=args.params_dir)
    print(f"{args.stage}: {len(found['dependencies'])} dependencies -> {args.out}")


def _months_sync(args: argparse.Namespace) -> None:
    from es_pipeline.filter.storage import remote_location
    from es_pipeline.ops.months import sync

    location = remote_location(args.remote)
    months = sync(location, params_dir=args.params_dir)
    print(f"{len(months)} month(s) at {location.url}:")
    for month, entry in months.items():
        print(f"  {month}  {entry.raw}  {entry.definition or '(no definition file)'}")
    print(f"written: {args.params_dir}/months.yaml and pipelines/<year>/dvc.yaml for {len({m[:4] for m in months})} "
          "year(s)")


def _months_pipelines(args: argparse.Namespace) -> None:
    from es_pipeline.core.params import load_months
    from es_pipeline.ops import pipelines

    changed = pipelines.write(".", load_months(args.params_dir))
    print(f"rewrote {len(changed)} pipeline file(s) from {pipelines.TEMPLATE} and {args.params_dir}/months.yaml"
          + "".join(f"\n  {p}" for p in changed))


def _months_prune(args: argparse.Namespace) -> None:
    from es_pipeline.ops.prune import prune

    pruned = prune(dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    print(f"{verb} {len(pruned.stages)} stale lock entr(ies): {', '.join(pruned.stages) or 'none'}")
    for path in pruned.paths:
        print(f"  {verb} {path}")
    for path in pruned.kept:
        print(f"  kept {path}: current stages' outputs lie in it (only its other files go)")
    if pruned.stages and not args.dry_run:
        print("then: dvc repro (dataset and report drop the month); dvc gc -w drops their cache objects")


def _definitions_fetch(args: argparse.Namespace) -> None:
    from es_pipeline.core.params import load_market
    from es_pipeline.filter.storage import remote_location
    from es_pipeline.ops.definitions import fetch

    location = remote_location(args.remote)
    parent = f"{load_market(args.params_dir).root_symbol}.FUT"
    name = fetch(args.month, location, parent, gateway=args.gateway)
    print(f"stored {location.describe(name)}; next: es-pipeline months sync && dvc repro")


def _verify(args: argparse.Namespace) -> None:
    from es_pipeline.ops.verify import check_before_push, verify

    if not args.repair:
        check_before_push()
        print("every cached object and workspace output matches the lock files")
        return
    report = verify(repair=True)
    for line in [*(f"mismatch: {m}" for m in report.mismatches),
                 *(f"repaired: {r} (cache object stored again from the workspace)" for r in report.repaired),
                 *(f"removed:  {r} (corrupt cache object dropped)" for r in report.removed)]:
        print(line)
    if report.removed:
        raise PipelineError(f"{len(report.removed)} output(s) have no good copy here: rebuild them with "
                            "`dvc repro -f <stage>` (or `dvc pull` them), then run `es-pipeline verify` again")
    check_before_push()  # the workspace (and anything left) must now match the lock files
    print("every cached object and workspace output matches the lock files")


def _push(args: argparse.Namespace) -> None:
    from es_pipeline.ops.verify import push

    push()
    print("verified and pushed: every cached object and workspace output matched the lock files")


def _notebook(args: argparse.Namespace) -> None:
    from es_pipeline.notebook.run import run

    run(args.notebook, args.output, args.html, dict(args.parameter), args.kernel, args.cwd)


def _site(args: argparse.Namespace) -> None:
    from es_pipeline.report.site import PIPELINE_FILES, run

    run(metrics_dir=args.metrics_dir, params_dir=args.params_dir, pipeline_files=tuple(args.pipeline or PIPELINE_FILES),
        out_dir=args.out_dir)


def _exp_run(args: argparse.Namespace) -> int:
    from es_pipeline.ops.experiments import enqueue, expand, run_in_workspace
    from es_pipeline.ops.parallel.run import repro

    experiments = expand(args.set_param, args.name)
    if args.queue:
        queued = enqueue(Path("."), experiments)
        print(f"queued {len(experiments)} experiment(s), {len(queued)} in all; "
              "run them together with `es-pipeline exp queue start --jobs N`")
        return 0
    if args.jobs is None and args.scheduler is None:
        raise PipelineError("exp run needs --jobs N or --scheduler ADDR (or --queue)")
    if len(experiments) > 1:
        return _run_together(experiments, args)
    name = run_in_workspace(experiments[0], lambda: repro(args.jobs, args.scheduler))
    if name is None:
        return 1
    print(f"experiment {name} saved ({experiments[0].describe()}); compare with `make compare` or "
          f"{_experiments_page()}; keep it with `git add params dvc.lock pipelines metrics plots && git commit`, "
          "or go back (README)")
    return 0


def _run_together(experiments: list, args: argparse.Namespace) -> int:
    from es_pipeline.ops.experiments import run_queue

    saved = run_queue(Path(".").resolve(), experiments, args.jobs, args.scheduler,
                      echo=lambda line: print(line, flush=True))
    failed = [label for label, name in saved.items() if name is None]
    print(f"{len(saved) - len(failed)} experiment(s) saved: "
          f"{', '.join(name for name in saved.values() if name)}; see {_experiments_page()}")
    if failed:
        print(f"failed: {', '.join(failed)} (their working copies are kept under .dvc/tmp/es-pipeline-exps)",
              file=sys.stderr)
    return 1 if failed else 0


def _exp_queue_start(args: argparse.Namespace) -> int:
    from es_pipeline.ops.experiments import clear_queue, queued_experiments

    experiments = queued_experiments(Path("."))
    if not experiments:
        print("the queue is empty: es-pipeline exp run --queue -S ... adds to it")
        return 0
    clear_queue(Path("."))
    return _run_together(experiments, args)


def _experiments_page() -> str:
    from es_pipeline.ops.experiments_page import write

    return str(write())


def _exp_report(args: argparse.Namespace) -> None:
    print(_experiments_page())


def _repro(args: argparse.Namespace) -> int:
    from es_pipeline.ops.parallel.run import repro

    return repro(args.jobs, args.scheduler, args.git_remote)


def _demo(args: argparse.Namespace) -> None:
    from es_pipeline.ops.demo import run_demo

    run_demo(days=args.days)


def _plots_template(args: argparse.Namespace) -> None:
    from es_pipeline.report.plots_page import write_template

    print(f"wrote {write_template(args.out)} (dvc plots pages draw offline)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="es-pipeline", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler: Callable[[argparse.Namespace], int | None] | None,
            help_text: str) -> argparse.ArgumentParser:
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
    ing.add_argument("--definition", default=None, help="the month's definition file, if it has one")
    ing.add_argument("--params-dir", default="params", help="market.yaml names the product a file must hold")

    for name, handler, help_text, source in (
        ("filter", _filter, "filter one raw month to the 1-second session grid", "raw"),
        ("label", _label, "label one filtered month (6 trade modes)", "filtered"),
        ("featurize", _featurize, "compute the 43 features of one filtered month", "filtered"),
    ):
        cmd = add(name, handler, help_text)
        cmd.add_argument(source)
        if name == "filter":
            cmd.add_argument("--month", required=True, help="YYYY-MM")
            cmd.add_argument("--definition", default=None, help="the month's definition file, if it has one")
        cmd.add_argument("--out", required=True)
        cmd.add_argument("--metrics", default=None, help="also write the stage's metrics JSON here")
        cmd.add_argument("--params-dir", default="params")

    ds = add("dataset", _dataset, "write one month's partition of the dataset (pre-decay weights)")
    ds.add_argument("--month", required=True, help="YYYY-MM")
    ds.add_argument("--data-root", default="data")
    ds.add_argument("--out", default="data/dataset")
    ds.add_argument("--metrics", default=None, help="also write the month's dataset metrics JSON here")

    decay = add("decay", _decay, "write the per-month time decay table the dataset readers join")
    decay.add_argument("--out", default="data/dataset/_decay.csv")
    decay.add_argument("--params-dir", default="params")

    fp = add("fingerprint", _fingerprint,
             "write a code-<step> stage's dependency hashes and params (per-month stages depend on it)")
    fp.add_argument("stage", help="the dvc.yaml stage, e.g. code-filter")
    fp.add_argument("--out", required=True, help="e.g. data/fingerprints/filter.json")
    fp.add_argument("--params-dir", default="params", help="validated before anything is written")

    months = add("months", None, "the month list")
    months_sub = months.add_subparsers(dest="months_command", required=True)
    sync = months_sub.add_parser("sync", help="list the raw location and rewrite params/months.yaml and the "
                                 "per-year pipeline files")
    sync.set_defaults(handler=_months_sync)
    sync.add_argument("--remote", default="raw", help="DVC remote holding the raw months")
    sync.add_argument("--params-dir", default="params")
    written = months_sub.add_parser("pipelines", help="rewrite pipelines/<year>/dvc.yaml from params/months.yaml "
                                    "and pipelines/per-month.yaml (after editing either)")
    written.set_defaults(handler=_months_pipelines)
    written.add_argument("--params-dir", default="params")
    prune = months_sub.add_parser("prune", help="remove outputs and lock entries of months no longer listed")
    prune.set_defaults(handler=_months_prune)
    prune.add_argument("--dry-run", action="store_true", help="only list what would be removed")

    definitions = add("definitions", None, "Databento definition files")
    fetch = definitions.add_subparsers(dest="definitions_command", required=True).add_parser(
        "fetch", help="download a month's definition file (DATABENTO_API_KEY) into the raw location")
    fetch.set_defaults(handler=_definitions_fetch)
    fetch.add_argument("--month", required=True, help="YYYY-MM")
    fetch.add_argument("--remote", default="raw", help="DVC remote holding the raw months")
    fetch.add_argument("--params-dir", default="params")
    fetch.add_argument("--gateway", default=None, help="Databento API host (default: Databento's own)")

    ver = add("verify", _verify, "re-hash the DVC cache and workspace outputs against the lock files")
    ver.add_argument("--repair", action="store_true",
                     help="remove corrupt cache objects, storing them again from good workspace files")

    add("push", _push, "es-pipeline verify, then dvc push (refused on any mismatch or missing cache object)")

    nb = add("notebook", _notebook,
             "execute a stage notebook (papermill) into a stable .ipynb and an offline HTML page")
    nb.add_argument("notebook", help="notebooks/<stage>.ipynb")
    nb.add_argument("output", help="executed notebook, e.g. reports/<stage>/<month>.ipynb")
    nb.add_argument("--html", required=True, help="the page, e.g. reports/<stage>/<month>.html")
    nb.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                    help="a notebook parameter (string), as papermill -p (params_dir: validated before the kernel)")
    nb.add_argument("-k", "--kernel", default="es-pipeline")
    nb.add_argument("--cwd", default=".", help="working directory of the notebook")

    st = add("site", _site, "write reports/index.html (a row per month) and reports/pipeline.html")
    st.add_argument("--metrics-dir", default="metrics")
    st.add_argument("--params-dir", default="params")
    st.add_argument("--pipeline", action="append", default=None, metavar="FILE",
                    help="a pipeline file the graph page draws (repeat; default dvc.yaml and pipelines/per-month.yaml)")
    st.add_argument("--out-dir", default="reports")

    rep = add("repro", _repro, "dvc repro with the stale per-month stages run in parallel on Dask")
    where = rep.add_mutually_exclusive_group(required=True)
    where.add_argument("--jobs", type=int, help="a local Dask cluster of N worker processes")
    where.add_argument("--scheduler", help="an existing Dask scheduler, tcp://HOST:PORT")
    rep.add_argument("--git-remote", default=None,
                     help="workers share no filesystem: they clone from this git remote and exchange "
                          "outputs through the DVC remote (default with --scheduler: workers share this folder)")

    exp = add("exp", None, "parameter experiments on the Dask path, recorded as DVC experiments")
    exp_sub = exp.add_subparsers(dest="exp_command", required=True)
    exp_run = exp_sub.add_parser("run", help="apply -S changes, run the stale stages on Dask, dvc exp save")
    exp_run.set_defaults(handler=_exp_run)
    exp_run.add_argument("-n", "--name", default=None, help="the experiment's name (default: DVC picks one)")
    exp_run.add_argument("-S", "--set-param", action="append", required=True, metavar="FILE:KEY=VALUE",
                         help="as dvc exp run -S, e.g. 'params/label.yaml:label.timeout_seconds=600'")
    exp_sub.add_parser("report", help="write reports/experiments.html: every experiment of HEAD side by side") \
        .set_defaults(handler=_exp_report)
    exp_run.add_argument("--queue", action="store_true",
                         help="only queue it: `es-pipeline exp queue start` runs the queue on one cluster")
    queue = exp_sub.add_parser("queue", help="the queued experiments").add_subparsers(dest="queue_command",
                                                                                      required=True)
    start = queue.add_parser("start", help="run every queued experiment, each in its own working copy, on one cluster")
    start.set_defaults(handler=_exp_queue_start)
    for command in (exp_run, start):
        where = command.add_mutually_exclusive_group(required=command is start)
        where.add_argument("--jobs", type=int, help="a local Dask cluster of N worker processes")
        where.add_argument("--scheduler", help="an existing Dask scheduler, tcp://HOST:PORT")

    page = add("plots-template", _plots_template, "write the offline page template dvc plots uses")
    page.add_argument("--out", default=".dvc/plots/offline.html")

    demo = add("demo", _demo, "generate the default months, dvc repro, verify, dvc push, print a summary")
    demo.add_argument("--days", type=int, default=None, help="generate only N trading days a month")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging()
    try:
        return args.handler(args) or 0
    except PipelineError as exc:
        if os.environ.get(DEBUG_ENV, "") not in ("", "0"):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
