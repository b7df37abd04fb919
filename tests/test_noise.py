"""distviz.noise (not yet wired into the loop): its deltas are scikit-learn's, its intervals
count the test sample even for a deterministic model."""

import numpy as np
import pytest

from distviz import metrics, noise


def _predictions(y, seed, skill):
    rng = np.random.default_rng(seed)
    p = np.clip(skill * y + (1 - skill) * rng.random(len(y)), 0, 1)
    return (p > 0.5).astype(int), np.column_stack([1 - p, p])


@pytest.fixture(scope="module")
def data():
    y = np.random.default_rng(0).integers(0, 2, 1500)
    shifted = [_predictions(y, s, 0.3) for s in range(4)]
    baseline = [_predictions(y, 100 + s, 0.25) for s in range(4)]
    return y, shifted, baseline


def test_deltas_equal_sklearns_metrics_averaged_over_seeds(data):
    y, shifted, baseline = data
    effects = noise.paired_delta(y, shifted, baseline, task="classification", n_classes=2,
                                 positive=1)
    for name in metrics.metric_names("classification"):
        exact = np.mean([
            metrics.score_classification(y, *a, n_classes=2, positive=1)[name]
            - metrics.score_classification(y, *b, n_classes=2, positive=1)[name]
            for a, b in zip(shifted, baseline)])
        assert effects[name].delta == pytest.approx(exact, abs=1e-9), name
        assert effects[name].low <= effects[name].delta <= effects[name].high


def test_a_deterministic_model_still_gets_a_nonzero_interval(data):
    y, shifted, baseline = data
    same_shifted, same_baseline = [shifted[0]] * 3, [baseline[0]] * 3
    effect = noise.paired_delta(y, same_shifted, same_baseline, task="classification",
                                n_classes=2, positive=1)["f1"]
    assert effect.high - effect.low > 0
