"""Regenerate the technical write-up from real sweeps: ``make report`` / ``python -m docs.make_report``.

1. runs a sweep per dataset (top features by Gini importance, each one's default group, the
   default ratios, the default algorithms, several seeds) and saves the tidy tables to
   ``docs/results/<dataset>.csv`` with the run's metadata in ``docs/results/meta.json``;
2. draws the figures in ``docs/figures/`` from those tables;
3. runs ``distviz advise`` per dataset (every group of the top ``ADVISE_TOP`` features, halved
   and doubled, the same algorithms and seeds) and saves it to
   ``docs/results/<dataset>_advice.json`` (the ``distviz advise --json`` object);
4. runs one mix per dataset (``docs/report/mixes.py``) into ``docs/results/<dataset>_mix.json``
   and the positive control with a planted group effect (``docs/report/control.py``) into
   ``docs/results/control.json``;
5. renders ``docs/writeup.md`` from ``docs/writeup.md.j2``: every number in it is computed here
   from the saved results (``tests/test_report.py`` re-renders it and recomputes the tables).

``--render-only`` skips steps 1, 3 and 4 and rebuilds figures and text from the saved results;
``--steps mixes,control`` runs only the steps named (of sweeps, advice, mixes, control).
Fits are read from and written to the on-disk result cache (``$DISTVIZ_CACHE_DIR`` or
``~/.cache/distviz``) unless ``--no-cache`` is given, so a second run is quick.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from distviz.stats import flagged_by_chance

from docs.report.advice import advice_context
from docs.report.calls import calls_context
from docs.report.common import md_table
from docs.report.control import control_context, load_control, run_control
from docs.report.datasets import TINY_GROUP, dataset_context
from docs.report.figures import make_figures
from docs.report.mixes import load_mixes, mix_context, run_mixes

DOCS = Path(__file__).resolve().parent
RESULTS = DOCS / "results"
FIGURES = DOCS / "figures"
IMAGES = DOCS / "images"
TEMPLATE = "writeup.md.j2"
WRITEUP = DOCS / "writeup.md"

DATASETS = ("titanic", "breast_cancer", "penguins", "diabetes", "superstore")
TOP = 3
REPEATS = 3
# The advise runs, small so `make report` stays affordable (superstore's sweep alone fits for
# minutes): every group of the top 3 features (as the dashboard's map), halved and doubled, two
# fast algorithms, the sweeps' seeds.
ADVISE_TOP = 3
ADVISE_ALGORITHMS = {"classification": ["xgboost", "logistic_regression"],
                     "regression": ["xgboost", "ridge"]}
STEPS = ("sweeps", "advice", "mixes", "control")
_FORMULA = re.compile(r"^'(?=[=+\-@\t\r])")


# ---------------------------------------------------------------------------- 1. sweeps
def run_sweeps(names=DATASETS, *, use_cache: bool = True, n_jobs: int = 2) -> dict:
    """Run every sweep, save its table and return the metadata written to meta.json."""
    from dataclasses import asdict

    from distviz import models
    from distviz.data import Dataset
    from distviz.importance import rank_features
    from distviz.loop import ModelLoop, ResultCache, default_cache_dir
    from distviz.output import neutralise_csv
    from distviz.sweep import DEFAULT_RATIOS, Sweep, write_table

    RESULTS.mkdir(parents=True, exist_ok=True)
    cache = ResultCache(default_cache_dir()) if use_cache else ResultCache()
    meta = {"datasets": {}}
    for name in names:
        dataset = Dataset(source=name)
        loop = ModelLoop(dataset=dataset, n_jobs=n_jobs, cache=cache)
        sweep = Sweep(dataset=dataset, loop=loop, top=TOP, method="gini",
                      ratios=list(DEFAULT_RATIOS), repeats=REPEATS)
        features = sweep.resolved_features()
        print(f"{name}: sweeping {', '.join(features)} ...", flush=True)
        table = sweep.run(progress=_progress(name))
        write_table(table, RESULTS / f"{name}.csv")
        ranking = rank_features(dataset, method="gini")
        neutralise_csv(ranking).to_csv(RESULTS / f"{name}_ranking.csv", index=False)
        algorithms = sweep.resolved_algorithms()
        meta["datasets"][name] = {
            "summary": dataset.summary(),
            "test_size": dataset.test_size, "n_bins": dataset.n_bins,
            "split_seed": dataset.random_state,
            "features": features,
            "groups": {f: dataset.groups(f).to_dict("records") for f in features},
            "algorithms": algorithms,
            "labels": {a: models.get(a, dataset.task_name).label for a in algorithms},
            "budgets": {a: models.get(a, dataset.task_name).max_train_rows
                        for a in algorithms},
            "ratios": sweep.resolved_ratios(), "repeats": REPEATS,
            "stats": asdict(sweep.stats),
        }
        print(f"{name}: {sweep.stats.fits} fits, {sweep.stats.computed} computed, "
              f"{sweep.stats.seconds:.0f} s", flush=True)
    meta["environment"] = _environment(n_jobs)
    (RESULTS / "meta.json").write_text(json.dumps(meta, indent=2, default=_json_default) + "\n")
    return meta


def run_advice(names=DATASETS, *, use_cache: bool = True, n_jobs: int = 2) -> None:
    """``advise`` per dataset, saved as ``docs/results/<dataset>_advice.json``."""
    from distviz.advise import advise
    from distviz.data import Dataset
    from distviz.loop import ModelLoop, ResultCache, default_cache_dir
    from distviz.output import to_json

    RESULTS.mkdir(parents=True, exist_ok=True)
    cache = ResultCache(default_cache_dir()) if use_cache else ResultCache()
    for name in names:
        dataset = Dataset(source=name)
        loop = ModelLoop(dataset=dataset, n_jobs=n_jobs, cache=cache, repeats=REPEATS,
                         algorithms=ADVISE_ALGORITHMS[dataset.task_name])
        print(f"{name}: advise over the top {ADVISE_TOP} features ...", flush=True)
        result = advise(loop, top=ADVISE_TOP, progress=_progress(f"{name} advise"))
        saved = result.to_dict()  # the `distviz advise --json` object, and the group tables
        saved["groups"] = {f: dataset.groups(f).to_dict("records") for f in result.features}
        (RESULTS / f"{name}_advice.json").write_text(to_json(saved) + "\n")
        print(f"{name}: {result.fits} fits, {result.computed} computed, "
              f"{result.seconds:.0f} s", flush=True)


def _cache(use_cache: bool):
    from distviz.loop import ResultCache, default_cache_dir
    return ResultCache(default_cache_dir()) if use_cache else ResultCache()


def _progress(name):
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm
    bar = tqdm(desc=name, unit="fit", leave=False)

    def update(done, total, _fit):
        bar.total = total
        bar.n = done
        bar.refresh()
        if done == total:
            bar.close()
    return update


def _environment(n_jobs: int) -> dict:
    import importlib
    modules = {"distviz": "distviz", "scikit-learn": "sklearn", "xgboost": "xgboost",
               "imbalanced-learn": "imblearn", "pandas": "pandas", "numpy": "numpy"}
    versions = {name: importlib.import_module(module).__version__
                for name, module in modules.items()}
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "n_jobs": n_jobs,
            "machine": platform.machine(), "packages": versions,
            "date": time.strftime("%Y-%m-%d", time.gmtime())}


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in meta.json")


# ---------------------------------------------------------------------------- loading
def read_table(path: Path) -> pd.DataFrame:
    """A saved sweep or ranking table, with CSV formula-neutralising undone on text cells."""
    table = pd.read_csv(path)
    for column in table.columns:
        if pd.api.types.is_string_dtype(table[column]) or \
                pd.api.types.is_object_dtype(table[column]):
            table[column] = table[column].map(
                lambda v: _FORMULA.sub("", v) if isinstance(v, str) else v)
    return table


def load_results(directory: Path = RESULTS) -> dict:
    """meta.json and every dataset's sweep and ranking tables."""
    meta = json.loads((directory / "meta.json").read_text())
    tables = {name: read_table(directory / f"{name}.csv") for name in meta["datasets"]}
    rankings = {name: read_table(directory / f"{name}_ranking.csv")
                for name in meta["datasets"]}
    advice = {name: json.loads((directory / f"{name}_advice.json").read_text())
              for name in meta["datasets"] if (directory / f"{name}_advice.json").exists()}
    return {"meta": meta, "tables": tables, "rankings": rankings, "advice": advice,
            "mixes": load_mixes(directory, meta["datasets"]),
            "control": load_control(directory)}


def build_context(results: dict) -> dict:
    meta = results["meta"]
    datasets = [dataset_context(name, results["tables"][name], results["rankings"][name], meta)
                for name in meta["datasets"]]
    noise_table = md_table(
        "noise", ["dataset", "metric", "shifted cells", "real changes", "up", "down",
                  "beyond at 5 % per cell", "flagged by chance",
                  "identical on every seed", "largest real change",
                  "largest change within the noise"],
        [d["noise_row"] for d in datasets])
    algorithms_table = md_table(
        "algorithms", ["dataset", "algorithm", "shifted cells", "mean abs Δ", "largest abs Δ",
                       "median interval width", "real changes"],
        [row for d in datasets for row in d["algorithm_rows"]])
    first = datasets[0]
    steps = sorted(IMAGES.glob("step-*.png"), key=lambda p: _natural(p.name))
    return {
        "datasets": datasets, "by_name": {d["name"]: d for d in datasets},
        "noise_table": noise_table, "algorithms_table": algorithms_table,
        "environment": meta["environment"], "tiny_group": TINY_GROUP,
        "total_identical": sum(d["identical"] for d in datasets),
        "ratios": first["ratios"], "repeats": first["repeats"], "top": len(first["features"]),
        "test_share": f"{100 * meta['datasets'][first['name']]['test_size']:.0f} %",
        "n_bins": meta["datasets"][first["name"]]["n_bins"],
        "total_cells": sum(d["cells"] for d in datasets),
        "expected_by_chance": f"{flagged_by_chance(sum(d['cells'] for d in datasets)).expected:.0f}",
        "total_real": sum(d["real"] for d in datasets),
        "total_per_cell": sum(d["per_cell"] for d in datasets),
        "total_rows": sum(d["rows"] for d in datasets),
        "total_fits": sum(d["fits"] for d in datasets),
        "total_seconds": f"{sum(float(d['seconds']) for d in datasets):.0f}",
        "numeric_example": next((f"{f['feature']}: {f['group']}" for d in datasets
                                 for f in d["features"] if f["kind"] == "numeric"), "Q1 [a, b]"),
        "dashboard_image": (IMAGES / "dashboard.png").exists(),
        "step_images": [f"images/{p.name}" for p in steps],
        "distribution_figure": "figures/distribution.png",
        "advice": advice_context(results.get("advice", {})),
        "calls": calls_context(results["tables"], results.get("advice", {})),
        "control": control_context(results.get("control")),
        "mixes": mix_context(results.get("mixes", {})),
    }


def _natural(text: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def render(results: dict) -> str:
    """The write-up's Markdown, from the saved results only."""
    import jinja2
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(DOCS), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                             autoescape=False)
    text = env.get_template(TEMPLATE).render(**build_context(results))
    return re.sub(r"\n{3,}", "\n\n", text)


# ---------------------------------------------------------------------------- main
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m docs.make_report", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--render-only", action="store_true",
                        help="rebuild figures and text from docs/results without sweeping")
    parser.add_argument("--steps", default=",".join(STEPS),
                        help="the steps to run before rendering (default %(default)s)")
    parser.add_argument("--no-cache", action="store_true",
                        help="fit everything again instead of reading the on-disk cache")
    parser.add_argument("--datasets", default=",".join(DATASETS),
                        help="comma-separated bundled datasets (default %(default)s)")
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    steps = [] if args.render_only else [s.strip() for s in args.steps.split(",") if s.strip()]
    unknown = sorted(set(steps) - set(STEPS))
    if unknown:
        parser.error(f"unknown step {', '.join(unknown)}; use some of {', '.join(STEPS)}")
    names = [n for n in args.datasets.split(",") if n]
    use_cache = not args.no_cache
    if "sweeps" in steps:
        run_sweeps(names, use_cache=use_cache, n_jobs=args.n_jobs)
    if "advice" in steps:
        run_advice(names, use_cache=use_cache, n_jobs=args.n_jobs)
    if "mixes" in steps:
        rankings = {n: read_table(RESULTS / f"{n}_ranking.csv")["feature"].tolist()
                    for n in names}
        run_mixes(rankings, RESULTS, cache=_cache(use_cache), n_jobs=args.n_jobs,
                  repeats=REPEATS)
    if "control" in steps:
        run_control(RESULTS)
    results = load_results()
    figures = make_figures(results, FIGURES)
    WRITEUP.write_text(render(results))
    print(f"wrote {WRITEUP.relative_to(DOCS.parent)} and {len(figures)} figures in "
          f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
