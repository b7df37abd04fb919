"""The Distributions and Per group tabs in mix mode, without a browser (issue 29: the per-group
view and the distributions work for mixes): with the uniform mix of titanic's sex, the
Distributions tab draws the mix's training rows (those of `distviz run --mix uniform --json`)
and the Per group tab the mix's per-group effects (the JSON's, and an independent scikit-learn
computation over the seeds)."""

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, f1_score, recall_score

from distviz.views.app import Dashboard
from helpers import cli_json

FAST = ["xgboost", "logistic_regression"]
REPEATS = 2  # the per-group numbers are means over seeds: more than one is checked


@pytest.fixture(scope="module")
def uniform():
    """The page in mix mode with the uniform mix of sex, and `distviz run`'s report of it."""
    board = Dashboard(background=False, algorithms=FAST, repeats=REPEATS).wait()
    board.resampler.param.update(feature="sex", ratio=0.0)
    board.mix.presets["uniform"].clicks += 1
    board.wait()
    assert board.resampler.mode == "mix" and board.result.spec.mix_name == "uniform"
    report = cli_json("run", "--data", "titanic", "--feature", "sex", "--mix", "uniform",
                      "--algorithms", ",".join(FAST), "--repeats", str(REPEATS),
                      "--n-jobs", "1")
    return board, report


def independent_group_metrics(dataset, fits, feature: str) -> dict[str, dict[str, float]]:
    """Per group of ``feature`` on the test set: F1, TPR, FPR and selection rate of the positive
    class from scikit-learn, each seed's fit scored on its own, then the mean over the seeds."""
    labels = dataset.group_labels(feature, dataset.X_test).to_numpy()
    positive = dataset.positive_index
    per_seed = []
    for fit in fits:
        truth, predicted, groups = (fit.on_test(dataset.y_test), fit.y_pred,
                                    fit.on_test(labels))
        seed = {}
        for group in np.unique(groups):
            t, p = truth[groups == group] == positive, predicted[groups == group] == positive
            tn, fp, _, _ = confusion_matrix(t, p, labels=[False, True]).ravel()
            seed[group] = {"f1": f1_score(t, p, zero_division=0),
                           "tpr": recall_score(t, p, zero_division=0),
                           "fpr": fp / (fp + tn), "selection_rate": p.mean(),
                           "rows": len(t)}
        per_seed.append(seed)
    return {g: {m: float(np.mean([s[g][m] for s in per_seed])) for m in per_seed[0][g]}
            for g in per_seed[0]}


def test_the_distributions_tab_draws_the_mixs_training_rows(uniform):
    board, report = uniform
    board.open_tab("Distributions")
    board.wait()
    drawn = board.distributions.rows_after().to_dict()
    groups = report["shift"]["groups"]
    assert drawn == {g: c["after"] for g, c in groups.items()}
    assert drawn["female"] == drawn["male"] == len(board.dataset.X_train) // 2  # 984 rows
    frame = board.distributions.shifted.object.dframe()
    before = frame[frame["stage"] == "before"].set_index("group")["rows"].to_dict()
    assert before == {g: c["before"] for g, c in groups.items()}
    # Its title names the mix (a mix has no one shifted group).
    assert board.distributions.title() == "sex (mix: uniform)"


def test_the_per_group_tab_shows_the_mixs_effects(uniform):
    board, report = uniform
    board.open_tab("Per group")
    board.wait()
    run = board.result
    best = run.best("shifted")
    assert best == report["best"]["shifted"]
    table = board.groups.table.value.set_index("group")
    [entry] = [r for r in report["results"] if r["algorithm"] == best]
    fits = run.result(best)
    now = independent_group_metrics(board.dataset, fits.fits, "sex")
    baseline = independent_group_metrics(board.dataset, fits.baseline_fits, "sex")
    assert len(fits.fits) == REPEATS
    for record in entry["groups"]:
        group = record["group"]
        assert table.loc[group, "rows"] == record["rows"] == now[group]["rows"]
        for metric in ("f1", "tpr", "fpr", "selection_rate"):
            # The table rounds to 3 decimals; the JSON and scikit-learn agree exactly.
            assert record[metric] == pytest.approx(now[group][metric], abs=1e-12)
            assert table.loc[group, f"{metric} now"] == pytest.approx(now[group][metric],
                                                                      abs=5e-4)
            assert table.loc[group, f"{metric} baseline"] == pytest.approx(
                baseline[group][metric], abs=5e-4)
    # The mix changed what the model does for some group (it is not the baseline shown twice).
    assert any(abs(now[g]["selection_rate"] - baseline[g]["selection_rate"]) > 1e-3
               for g in now)
