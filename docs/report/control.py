"""The write-up's positive control: a shift whose effect is planted, so its true size is known.

``distviz.synth.make_planted_table`` draws a table where, in the ``south`` (a fifth of the
rows), the target follows ``num_0`` the other way. Removing the south's training rows
(``region = south``, r = -1) leaves k nearest neighbours nothing but the north's rule for the
south's test rows: a large, real loss. distviz measures it on the table's frozen test set, with
its interval and practical call; the true size is the same change on ``POPULATION_ROWS``
independent rows of the same population (the same fits: k nearest neighbours and a ratio of -1
are deterministic, so the only noise left in the truth is the population sample, whose standard
error is estimated from ``CHUNKS`` disjoint chunks of it). The control passes when the call is
better / worse and the interval holds the true size.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .common import METRIC_LABELS, effect_number, interval, signed

CONTROL_ROWS = 4_000
CONTROL_SHARE = 0.2
CONTROL_SEED = 0
CONTROL_ALGORITHM = "knn"
CONTROL_RATIO = -1.0
CONTROL_REPEATS = 3
POPULATION_ROWS = 200_000
CHUNKS = 20


def control_dataset():
    """The control's table as a Dataset (its test set is the frozen 25 %)."""
    from distviz import synth
    from distviz.data import Dataset
    table = synth.make_planted_table(CONTROL_ROWS, share=CONTROL_SHARE, random_state=CONTROL_SEED)
    return Dataset(source=table, target=synth.TARGET)


def population_rows(dataset) -> tuple[pd.DataFrame, np.ndarray]:
    """Independent rows of the control's population, as the dataset's features and codes."""
    from distviz import synth
    frame = synth.make_planted_table(POPULATION_ROWS, share=CONTROL_SHARE,
                                     random_state=CONTROL_SEED, part=1)
    X = frame[dataset.features].copy()
    for column, kind in dataset.kinds.items():  # the Dataset's own representation
        X[column] = (X[column].astype("float64") if kind == "numeric"
                     else X[column].astype(object))
    y = np.array([dataset.classes.index(str(v)) for v in frame[synth.TARGET]])
    return X, y


def true_effect(dataset, seeds, *, metric: str = "f1") -> dict:
    """The shift's change of ``metric`` on the population: the mean over ``seeds`` of the
    shifted fit's score minus the baseline fit's (scikit-learn's metric), and the standard
    error of that number from ``CHUNKS`` disjoint chunks of the population."""
    from sklearn.metrics import f1_score

    from distviz import models, synth
    algorithm = models.get(CONTROL_ALGORITHM, dataset.task_name)
    keep = (dataset.group_labels(synth.PLANTED_FEATURE) != synth.PLANTED_GROUP).to_numpy()
    X, y = population_rows(dataset)
    chunks = np.array_split(np.arange(len(y)), CHUNKS)
    positive = dataset.positive_index
    whole, parts = [], []
    for seed in seeds:
        fits = {}
        for arm, rows in (("baseline", slice(None)), ("shifted", keep)):
            pipeline = models.make_full_pipeline(algorithm, dataset.kinds, seed)
            pipeline.fit(dataset.X_train[rows], dataset.y_train[rows])
            fits[arm] = pipeline.predict(X)

        def change(index):
            return (f1_score(y[index], fits["shifted"][index], pos_label=positive)
                    - f1_score(y[index], fits["baseline"][index], pos_label=positive))
        whole.append(change(slice(None)))
        parts.append([change(c) for c in chunks])
    per_chunk = np.mean(parts, axis=0)
    return {"metric": metric, "delta": float(np.mean(whole)),
            "se": float(np.std(per_chunk, ddof=1) / np.sqrt(CHUNKS)),
            "per_chunk": [float(d) for d in per_chunk],
            "population_rows": POPULATION_ROWS, "chunks": CHUNKS, "seeds": list(seeds)}


def run_control(directory: Path, *, cache=None) -> dict:
    """Run the control through distviz (the loop's own run, as ``distviz run`` does) and save
    it, with its true size, to ``directory / "control.json"``."""
    from distviz import synth
    from distviz.loop import ModelLoop
    from distviz.output import to_json
    from distviz.shift import Resampler

    dataset = control_dataset()
    loop = ModelLoop(dataset=dataset, algorithms=[CONTROL_ALGORITHM], repeats=CONTROL_REPEATS,
                     n_jobs=1, **({"cache": cache} if cache is not None else {}))
    shift = Resampler(dataset=dataset, feature=synth.PLANTED_FEATURE,
                      group=synth.PLANTED_GROUP, ratio=CONTROL_RATIO)
    result = loop.run(shift.spec)
    saved = {"design": {"rows": CONTROL_ROWS, "share": CONTROL_SHARE, "seed": CONTROL_SEED,
                        "algorithm": CONTROL_ALGORITHM, "ratio": CONTROL_RATIO,
                        "feature": synth.PLANTED_FEATURE, "group": synth.PLANTED_GROUP,
                        "generator": "distviz.synth.make_planted_table"},
             "run": result.to_dict(),
             "truth": true_effect(dataset, result.settings["seeds"])}
    (directory / "control.json").write_text(to_json(saved) + "\n")
    return saved


def load_control(directory: Path) -> dict | None:
    path = directory / "control.json"
    return json.loads(path.read_text()) if path.exists() else None


def control_context(saved: dict | None) -> dict | None:
    """Every number the control's paragraph says, from the saved control."""
    from distviz import models
    if saved is None:
        return None
    design, run, truth = saved["design"], saved["run"], saved["truth"]
    metric = truth["metric"]
    result = next(r for r in run["results"] if r["algorithm"] == design["algorithm"])
    low, high = result["ci95"][metric]
    groups = run["shift"]["groups"]
    algorithm = models.get(design["algorithm"], run["dataset"]["task"])
    return {"rows": f"{design['rows']:,}", "label_algorithm": algorithm.label,
            "share": f"{100 * design['share']:.0f} %",
            "feature": design["feature"], "group": design["group"],
            "ratio": f"{design['ratio']:+g}", "algorithm": design["algorithm"],
            "generator": design["generator"], "label": METRIC_LABELS[metric],
            "train_rows": run["dataset"]["train_rows"],
            "test_rows": f"{run['dataset']['test_rows']:,}",
            "group_before": groups[design["group"]]["before"],
            "group_after": groups[design["group"]]["after"],
            "seeds": result["seeds"], "baseline": f"{result['baseline'][metric]:.3f}",
            "delta": signed(result["delta"][metric]), "interval": interval(low, high),
            "verdict": result["verdict"][metric], "practical": result["practical"][metric],
            "detectable": effect_number(result["detectable"][metric]),
            "min_effect": effect_number(run["interval"]["min_effect"][metric]),
            "truth": signed(truth["delta"]), "truth_se": effect_number(truth["se"]),
            "population_rows": f"{truth['population_rows']:,}", "chunks": truth["chunks"],
            "inside": bool(low <= truth["delta"] <= high),
            "same_every_seed": len({round(s[metric] - b[metric], 12) for s, b in zip(
                result["metrics_per_seed"], result["baseline_per_seed"])}) == 1,
            "detected": result["practical"][metric] in ("better", "worse")}
