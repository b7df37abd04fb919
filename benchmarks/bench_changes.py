"""What each performance change bought, measured with and without it in the same run.

Each change can be switched off from outside (an old code path still exists or a cache can be
emptied), so both sides run here on the same data, one after the other; medians of a few runs.

    python -m benchmarks.bench_changes
"""

from __future__ import annotations

import argparse
import sys
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

from benchmarks._common import Timer, load_average, median, report, table
from distviz import models, synth
from distviz.data import cleaning
from distviz.data import Dataset
from distviz.loop import FitExecutor, ModelLoop, ResultCache
from distviz.loop.fit import class_scores, fit_and_score, predict_classes
from distviz.loop.jobs import FitJob, TrainingSets
from distviz.shift import ShiftSpec, shift_training_set
from distviz.sweep import DEFAULT_RATIOS, Sweep


def timed(fn, runs: int = 3) -> float:
    seconds = []
    for _ in range(runs):
        with Timer() as t:
            fn()
        seconds.append(t.seconds)
    return median(seconds)


def one_pass_predictions(table_) -> dict:
    """Labels and scores from one pass vs ``predict`` then the scores (10,000 test rows)."""
    ds = Dataset(source=table_, target=synth.TARGET)
    prep = models.make_preprocessor(ds.kinds)
    X_train, X_test = prep.fit_transform(ds.X_train), prep.transform(ds.X_test)
    out = {}
    for name, rows in (("svm", 5_000), ("random_forest", 10_000)):
        with threadpool_limits(1), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = models.get(name, ds.task_name).make(0).fit(X_train[:rows],
                                                               ds.y_train[:rows])
            n = len(ds.classes)
            before = timed(lambda: (model.predict(X_test), class_scores(model, X_test, n)))
            after = timed(lambda: predict_classes(model, X_test, n))
            same = np.array_equal(predict_classes(model, X_test, n)[0], model.predict(X_test))
        out[name] = {"before": before, "after": after, "same": same, "test_rows": len(X_test),
                     "train_rows": rows}
    return out


def group_label_cache(table_) -> dict:
    """A slider move's shift with the dataset's group labels and tables cached vs recomputed."""
    ds = Dataset(source=table_, target=synth.TARGET)
    spec = ShiftSpec("cat_1", ds.default_group("cat_1"), -0.5)

    def cold():
        ds._group_cache.clear()
        shift_training_set(ds, spec)
    before = timed(cold)
    after = timed(lambda: shift_training_set(ds, spec))
    return {"before": before, "after": after, "train_rows": len(ds.X_train)}


def typed_columns(n_rows: int) -> dict:
    """A 0/1 target read as int64, converted to class labels per row vs per distinct value."""
    values = synth.make_table(n_rows)[synth.TARGET]
    before = timed(lambda: cleaning._as_text(values.astype(object)))  # the per-row path
    after = timed(lambda: cleaning._as_text(values))
    same = cleaning._as_text(values).equals(cleaning._as_text(values.astype(object)))
    return {"before": before, "after": after, "same": same, "rows": n_rows}


def sweep_prefetch() -> dict:
    """The sweep with its whole grid submitted at once vs one ratio at a time."""
    ds = Dataset(source="titanic")

    def sweep(prefetch: bool):
        loop = ModelLoop(dataset=ds, cache=ResultCache(), n_jobs=2)
        loop.warm_up()
        original = ModelLoop.prefetch
        if not prefetch:
            ModelLoop.prefetch = lambda self, specs, **kwargs: None
        try:
            with Timer() as t:
                result = Sweep(dataset=ds, features=["sex"], ratios=list(DEFAULT_RATIOS),
                               repeats=2, loop=loop).run()
        finally:
            ModelLoop.prefetch = original
        return t.seconds, result
    seconds = {True: [], False: []}
    tables = {}
    for _ in range(2):
        for prefetch in (False, True):
            s, tables[prefetch] = sweep(prefetch)
            seconds[prefetch].append(s)
    same = tables[True]["f1"].tolist() == tables[False]["f1"].tolist()
    return {"before": median(seconds[False]), "after": median(seconds[True]), "same": same,
            "fits": len(tables[True])}


def measured_order(table_) -> dict:
    """A cold run of the 4 defaults (warm pool) with fits ordered by the registry's rough
    costs vs by the fit seconds measured earlier on the same data."""
    ds = Dataset(source=table_, target=synth.TARGET)
    measured = FitExecutor()  # keeps the fit seconds it measured; a fresh one knows none
    ModelLoop(dataset=ds, executor=measured).warm_up()
    seconds = {"static": [], "measured": []}
    for _ in range(2):
        for order in ("static", "measured"):
            executor = FitExecutor() if order == "static" else measured
            with Timer() as t:
                ModelLoop(dataset=ds, cache=ResultCache(), executor=executor).run()
            seconds[order].append(t.seconds)
    return {"before": median(seconds["static"]), "after": median(seconds["measured"]),
            "train_rows": len(ds.X_train)}


def weighted_duplicates(table_) -> dict:
    """Logistic regression on a random up-sample (a group drawn 4x, every row kept): the
    loop's weighted fit of each repeated row once vs the fit of the duplicated rows."""
    ds = Dataset(source=table_, target=synth.TARGET)
    spec = ShiftSpec("cat_1", ds.default_group("cat_1"), 3.0)
    algorithm, sets = models.get("logistic_regression", ds.task_name), TrainingSets()
    weighted, kw = FitJob(sets, ds, spec, 0, algorithm, "key", None, 10.0).arguments()
    shifted = sets.shift(ds, spec, 0, max_ratio=10.0)  # the job's, from the sets' cache
    duplicated = (algorithm, 0, sets.prepared(ds, spec, 0, max_ratio=10.0).train(), shifted.y,
                  *weighted[4:])

    def fit(arguments, sample_weight):
        return fit_and_score(*arguments, **{**kw, "sample_weight": sample_weight})
    before = timed(lambda: fit(duplicated, None))
    after = timed(lambda: fit(weighted, kw["sample_weight"]))
    b, a = fit(duplicated, None), fit(weighted, kw["sample_weight"])
    same = (np.array_equal(b["y_pred"], a["y_pred"])
            and all(abs(b["metrics"][m] - v) <= 1e-9 for m, v in a["metrics"].items()))
    return {"before": before, "after": after, "same": same, "rows": len(shifted.y),
            "unique": len(weighted[2])}


def run(log=print) -> dict:
    loads = [load_average()]
    table40k = synth.make_table(40_000)
    out = {"predict": one_pass_predictions(table40k)}
    log(f"  one-pass predictions: {out['predict']}")
    out["labels"] = group_label_cache(synth.make_table(400_000))
    log(f"  group labels: {out['labels']}")
    out["typed"] = typed_columns(1_000_000)
    log(f"  typed columns: {out['typed']}")
    out["prefetch"] = sweep_prefetch()
    log(f"  sweep prefetch: {out['prefetch']}")
    out["order"] = measured_order(table40k)
    log(f"  measured order: {out['order']}")
    out["weights"] = weighted_duplicates(table40k)
    log(f"  weighted duplicates: {out['weights']}")
    loads.append(load_average())
    out["loads"] = loads
    return out


def section(s: dict) -> str:
    p, lab, ty, pre, order = s["predict"], s["labels"], s["typed"], s["prefetch"], s["order"]
    w = s["weights"]

    def change(before, after):
        return f"{before:.2f} s -> {after:.2f} s ({before / after:.1f}x)"
    rows = [
        {"change": "labels and scores from one pass over the test set where `predict` is a "
                   "function of the scores (forests, MLP, XGBoost: argmax of the "
                   "probabilities; binary SVC: sign of the decision function)",
         "where": "`distviz/loop/fit.py` `predict_classes`",
         "measured": f"SVM ({p['svm']['train_rows']:,} training rows) scoring "
                     f"{p['svm']['test_rows']:,} rows: {change(p['svm']['before'], p['svm']['after'])}"
                     f"; random forest ({p['random_forest']['train_rows']:,} rows): "
                     f"{change(p['random_forest']['before'], p['random_forest']['after'])}",
         "same results": "labels identical here" if p["svm"]["same"] and
                         p["random_forest"]["same"] else "**differ**"},
        {"change": "group labels and group tables cached per feature on the (frozen) "
                   "dataset; category and value labels computed per distinct value",
         "where": "`distviz/data.py` `group_labels`, `groups`",
         "measured": f"one shift of {lab['train_rows']:,} training rows (validate, shift, "
                     f"count groups): {change(lab['before'], lab['after'])}",
         "same results": "identical (tests/test_perf_properties.py and a check against the "
                         "old code on all bundled datasets)"},
        {"change": "typed (numeric, boolean) columns converted to labels once per distinct "
                   "value instead of once per row",
         "where": "`distviz/data/cleaning.py` `_per_distinct`",
         "measured": f"a {ty['rows']:,}-row 0/1 target: {change(ty['before'], ty['after'])}",
         "same results": "identical" if ty["same"] else "**differ**"},
        {"change": "the sweep submits its whole grid at once (`ModelLoop.prefetch`) instead "
                   "of one ratio at a time",
         "where": "`distviz/loop.py` `prefetch`; one call in `distviz/sweep.py`",
         "measured": f"titanic, 1 feature x 9 ratios x 4 algorithms x 2 repeats "
                     f"({pre['fits']} rows): {change(pre['before'], pre['after'])}",
         "same results": "identical table" if pre["same"] else "**differ**"},
        {"change": "fits ordered by the fit seconds measured earlier on the same dataset "
                   "(the cheapest algorithm's fits first, then longest first) instead of the "
                   "registry's rough cost",
         "where": "`distviz/loop.py` `_schedule`",
         "measured": f"cold run of the 4 defaults on {order['train_rows']:,} training rows: "
                     f"{change(order['before'], order['after'])}",
         "same results": "order only"},
        {"change": "a random up-sample's repeated rows as integer sample weights, for the "
                   "algorithms whose weighted fit equals the duplicated fit (logistic "
                   "regression, ridge; not the default four)",
         "where": "`distviz/loop/weights.py`; `Algorithm.weighted_duplicates`",
         "measured": f"logistic regression, a group drawn 4x, every row kept: "
                     f"{w['rows']:,} rows as {w['unique']:,} weighted: "
                     f"{change(w['before'], w['after'])}",
         "same results": "labels identical, metrics within 1e-9" if w["same"]
                         else "**differ**"},
    ]
    return f"""## Changes to distviz internals and what each bought (`bench_changes.py`)

Each change measured with and without it in the same run (medians; 1-minute load average
before/after: {' -> '.join(s['loads'])}). Earlier changes: text and categorical columns
converted per distinct value (`distviz/data/cleaning.py`): `Dataset(source=<100,000-row CSV>)`
3.19 s -> 0.70 s, measured once with cProfile before/after. The interactive sample
(`Dataset(max_rows=...)`) and training budget are measured in the 1,000,000-row section.

Dashboard rendering (`distviz/dashboard.py`), found by profiling the served app with py-spy
while headless Chromium moved the slider: partial results of runs that finish quickly were
rendered and immediately replaced, hidden tabs (distributions, per-group plots) were rebuilt
on every move, Panel took a repr of the whole Dashboard for each leaderboard style function,
and every move built new Bokeh plots for the confusion matrices and ROC curves. Now partial
results render at most once a second and only for runs still training after
`Dashboard.PARTIAL_RENDER_FIRST`, only the visible tab is rendered and computed, the style
functions have a short repr, and the plots are updated in place. The slider section measures
the result server-side; `tests/load/run_load.py --sessions 1 --seconds 30 --no-write`
measures it in the browser (released handle -> finished result on the page).

{table(rows, ["change", "where", "measured", "same results"])}
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    return report("changes", section(run()), args.no_write)


if __name__ == "__main__":
    sys.exit(main())
