"""The page's whole-mix shift without a browser: the mode choice, the presets, the typed shares
and Apply drive ``resampler.mix``, the loop's run carries the mix, and the leaderboard shows what
``distviz run --mix ... --json`` prints; bad input is one notification and changes nothing."""

import numpy as np
import pandas as pd
import pytest

from distviz import Dataset, ModelLoop, Resampler
from distviz.views.app import Dashboard
from distviz.views.mix_controls import MixControls
from distviz.views.session import Session
from distviz.views.shares_view import MAX_SHOWN
from helpers import assert_leaderboard_is_the_cli

FAST = ["xgboost", "logistic_regression"]


@pytest.fixture(scope="module")
def dashboard():
    board = Dashboard(background=False, algorithms=FAST, repeats=1)  # one seed: quick moves
    yield board.wait()


def _in_mix_mode(dashboard, feature="sex"):
    dashboard.mix.mode.value = "group"  # a known start: the slider's baseline on `feature`
    dashboard.resampler.param.update(feature=feature, ratio=0.0)
    # A preset sets the mode and the mix at once (switching the mode alone would bring back
    # the preset last applied, which another feature may not take).
    dashboard.mix.presets["original"].clicks += 1
    return dashboard.wait()


def _train_counts(dataset, feature) -> pd.Series:
    """The training rows per group, counted from the training set's own labels."""
    return dataset.group_labels(feature).value_counts()


def _assert_leaderboard_is_the_cli(dashboard, mix, *how):
    assert_leaderboard_is_the_cli(dashboard, *(how or ("--mix", mix)),
                                  shift_keys=("mix", "groups"))


def test_whole_mix_mode_starts_on_the_original_mix_and_says_so(dashboard):
    dashboard.mix.mode.value = "mix"
    dashboard.wait()
    rs, spec = dashboard.resampler, dashboard.result.spec
    assert rs.mode == "mix" and spec.mix_name == "original" and spec.is_baseline
    counts = _train_counts(dashboard.dataset, "sex")
    shares = {g: w.value for g, w in dashboard.mix.inputs.items()}
    assert shares == pytest.approx((counts / counts.sum()).to_dict())
    # No "baseline" of the slider's group: the line names the mix in force.
    assert dashboard.shift_label.startswith("Mix of sex in force: original")
    assert "female" in dashboard.shift_label and "sex = female" not in dashboard.shift_label
    assert not dashboard.slider.slider.visible and not dashboard.group_widget.visible
    assert set(dashboard.mix.chart.drawn()["group"]) == {"female", "male"}


def test_uniform_preset_runs_the_mix_and_equals_the_cli(dashboard):
    _in_mix_mode(dashboard)
    request = dashboard.loop.request
    dashboard.mix.presets["uniform"].clicks += 1
    dashboard.wait()
    assert dashboard.loop.request == request + 1  # one run for one click
    spec = dashboard.result.spec
    assert spec.mix_name == "uniform" and spec.shares() == {"female": 0.5, "male": 0.5}
    assert dashboard.shift_label.startswith("Mix of sex in force: uniform")
    assert "baseline" not in dashboard.shift_label
    # The Models tab's best line names the mix, not a group and a ratio it did not use.
    assert "mix of sex: uniform, training rows" in dashboard.models.best_line.object
    assert "None" not in dashboard.models.best_line.object
    assert [w.value for w in dashboard.mix.inputs.values()] == [0.5, 0.5]
    before, after = dashboard.mix.chart.shares()
    assert after == {"male": 0.5, "female": 0.5}
    assert before["female"] == pytest.approx(_train_counts(dashboard.dataset, "sex")["female"]
                                             / len(dashboard.dataset.X_train))
    _assert_leaderboard_is_the_cli(dashboard, "uniform")


def test_typed_shares_apply_as_one_run_and_equal_the_cli(dashboard):
    _in_mix_mode(dashboard)
    dashboard.mix.set_share("female", 0.7)
    dashboard.mix.set_share("male", 0.3)
    assert dashboard.loop.result.spec.mix is None  # typing alone trains nothing
    request = dashboard.loop.request
    dashboard.mix.apply_button.clicks += 1
    dashboard.wait()
    assert dashboard.loop.request == request + 1
    assert dashboard.result.spec.shares() == pytest.approx({"female": 0.7, "male": 0.3})
    groups = dashboard.result.shift.groups_after
    assert groups["female"] == round(0.7 * len(dashboard.dataset.X_train))
    assert "shares as given (male 30%, female 70%)" in dashboard.shift_label
    _assert_leaderboard_is_the_cli(dashboard, "female=0.7,male=0.3")


def test_presets_set_the_documented_shares(dashboard):
    _in_mix_mode(dashboard, feature="age")
    counts = _train_counts(dashboard.dataset, "age")
    counts = counts[[g for g in dashboard.mix.inputs]]  # the page's order
    documented = {"original": counts / counts.sum(),
                  "uniform": pd.Series(1 / len(counts), index=counts.index),
                  "sqrt": np.sqrt(counts) / np.sqrt(counts).sum(),
                  "balanced-classes": counts / counts.sum()}
    for name, shares in documented.items():
        dashboard.mix.presets[name].clicks += 1
        dashboard.wait()
        typed = pd.Series({g: w.value for g, w in dashboard.mix.inputs.items()})
        assert typed.to_dict() == pytest.approx(shares.to_dict(), abs=1e-6), name
        assert dashboard.resampler.mix == name
        assert dashboard.result.spec.mix_name == name
    # balanced-classes also balances the classes within every group.
    classes = dashboard.result.to_dict()["shift"]["groups"]["missing"]["classes"]
    assert abs(classes["0"]["after"] - classes["1"]["after"]) <= 1


BAD = {"shares that do not sum to 1": {"female": 0.7, "male": 0.7},
       "a negative share": {"female": 1.2, "male": -0.2},
       "an empty share": {"female": None, "male": 0.5}}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_typed_shares_notify_once_and_change_nothing(dashboard, notified, case):
    _in_mix_mode(dashboard)
    dashboard.mix.presets["sqrt"].clicks += 1
    dashboard.wait()
    state = (dashboard.resampler.mix, dashboard.resampler.mode, dashboard.loop.request,
             dashboard.result)
    for group, share in BAD[case].items():
        dashboard.mix.set_share(group, share)
    dashboard.mix.apply_button.clicks += 1
    dashboard.wait()
    assert len(notified) == 1 and notified[0][1] == "error", notified
    message = notified[0][0]
    assert "\n" not in message and dashboard.status == message
    assert ("sum to 1.4" in message if "sum" in case else
            "-0.2" in message if "negative" in case else "empty" in message)
    assert (dashboard.resampler.mix, dashboard.resampler.mode, dashboard.loop.request,
            dashboard.result) == state


def test_a_preset_past_max_ratio_notifies_once_and_changes_nothing(dashboard, notified):
    # titanic's class has a group '*' of one training row: uniform would need ~246 of it.
    _in_mix_mode(dashboard, feature="class")
    state = (dashboard.resampler.mix, dashboard.loop.request, dashboard.result)
    dashboard.mix.presets["uniform"].clicks += 1
    dashboard.wait()
    assert len(notified) == 1
    assert "max_ratio" in notified[0][0] and "'*'" in notified[0][0]
    assert (dashboard.resampler.mix, dashboard.loop.request, dashboard.result) == state
    assert dashboard.loop.error is None


def test_a_reference_file_sets_its_shares_and_equals_the_cli(dashboard, tmp_path):
    """The match preset from the page: an uploaded reference file's shares of the groups (30 %
    women), the same run as `distviz run --match FILE`; a preset after it drops the file."""
    _in_mix_mode(dashboard)
    reference = tmp_path / "deployed.csv"
    pd.DataFrame({"sex": ["female"] * 30 + ["male"] * 70, "age": range(100)}).to_csv(
        reference, index=False)
    dashboard.mix.match_upload.param.update(filename=reference.name,
                                            value=reference.read_bytes())
    dashboard.wait()
    spec = dashboard.result.spec
    assert spec.shares() == pytest.approx({"female": 0.3, "male": 0.7})
    assert "match" in spec.mix_name and dashboard.resampler.mode == "mix"
    _assert_leaderboard_is_the_cli(dashboard, None, "--match", str(reference))
    dashboard.mix.presets["uniform"].clicks += 1
    dashboard.wait()
    assert dashboard.resampler.reference is None
    assert dashboard.result.spec.shares() == {"female": 0.5, "male": 0.5}


def test_a_reference_file_without_the_feature_notifies_once_and_changes_nothing(
        dashboard, notified, tmp_path):
    _in_mix_mode(dashboard)
    state = (dashboard.resampler.mix, dashboard.loop.request, dashboard.result)
    reference = tmp_path / "other.csv"
    pd.DataFrame({"gender": ["f", "m"] * 5, "age": range(10)}).to_csv(reference, index=False)
    dashboard.mix.match_upload.param.update(filename=reference.name,
                                            value=reference.read_bytes())
    dashboard.wait()
    assert len(notified) == 1 and "\n" not in notified[0][0], notified
    assert "sex" in notified[0][0]
    assert (dashboard.resampler.mix, dashboard.loop.request, dashboard.result) == state


def test_a_reference_file_over_the_upload_limit_notifies_once_and_changes_nothing(
        dashboard, notified, tmp_path, monkeypatch):
    """The reference upload keeps the data upload's size limit (one rule: views/upload.py)."""
    from distviz.views import upload
    monkeypatch.setattr(upload, "UPLOAD_LIMIT_MB", 0.0001)  # about 100 bytes
    _in_mix_mode(dashboard)
    state = (dashboard.resampler.mix, dashboard.loop.request, dashboard.result)
    reference = tmp_path / "big.csv"
    pd.DataFrame({"sex": ["female", "male"] * 50}).to_csv(reference, index=False)
    dashboard.mix.match_upload.param.update(filename=reference.name,
                                            value=reference.read_bytes())
    dashboard.wait()
    assert len(notified) == 1 and "over the upload limit" in notified[0][0], notified
    assert (dashboard.resampler.mix, dashboard.loop.request, dashboard.result) == state


def test_back_to_one_group_restores_the_slider(dashboard):
    _in_mix_mode(dashboard)
    dashboard.mix.presets["uniform"].clicks += 1
    dashboard.mix.mode.value = "group"
    dashboard.wait()
    spec = dashboard.result.spec
    assert spec.mix is None and spec.group == dashboard.resampler.group
    assert dashboard.slider.slider.visible and dashboard.shift_label.startswith("Shift sex = ")
    assert not dashboard.mix.__panel__().visible


def test_more_than_twelve_groups_show_the_largest_and_say_the_rest():
    rng = np.random.default_rng(0)
    sizes = np.arange(1, 17) * 20  # 16 groups of 20..320 rows
    frame = pd.DataFrame({"city": np.repeat([f"c{i:02d}" for i in range(16)], sizes)})
    frame["x"] = rng.normal(size=len(frame))
    frame["y"] = (frame["x"] + rng.normal(size=len(frame)) > 0).astype(int)
    rs = Resampler(dataset=Dataset(source=frame, target="y"), feature="city")
    said = []
    controls = MixControls(resampler=rs, loop=ModelLoop(dataset=rs.dataset),
                           session=Session(background=False),
                           notify=lambda message, level="error": said.append(message))
    assert len(controls.inputs) == MAX_SHOWN
    assert set(controls.inputs) == {f"c{i:02d}" for i in range(16 - MAX_SHOWN, 16)}
    assert "4 smaller groups are not shown" in controls.more.object
    # A typed share moves a shown group; the hidden ones keep theirs, and the mix sums to 1.
    shares = controls.typed()
    first, second = list(controls.inputs)[:2]
    controls.set_share(first, shares[first] + 0.01)
    controls.set_share(second, shares[second] - 0.01)
    assert controls.apply(controls.typed()) and not said
    applied = rs.spec.shares()
    assert applied["c00"] == pytest.approx(shares["c00"], abs=1e-6)
    assert applied[first] == pytest.approx(shares[first] + 0.01, abs=1e-6)
    assert sum(applied.values()) == pytest.approx(1)
    # The chart pools the hidden groups into one bar.
    drawn = controls.chart.drawn()
    assert "4 other groups" in set(drawn["group"]) and drawn["group"].nunique() == MAX_SHOWN + 1


def test_a_new_dataset_opens_in_one_group_mode(dashboard):
    # balanced-classes cannot apply to a regression target: the new dataset starts afresh.
    _in_mix_mode(dashboard)
    dashboard.mix.presets["balanced-classes"].clicks += 1
    dashboard.wait()
    dashboard.data.dataset_name = "diabetes"
    dashboard.wait()
    assert dashboard.dataset.name == "diabetes" and dashboard.loop.error is None
    assert dashboard.resampler.mode == "group" and dashboard.mix.mode.value == "group"
    assert dashboard.result.spec.mix is None and dashboard.slider.slider.visible
    assert not dashboard.mix.presets["balanced-classes"].visible


def test_the_response_curves_say_a_mix_has_no_ratio_to_draw(dashboard):
    """In whole-mix mode the map's response curves (one group over its ratios) say what to do
    instead of failing on a group the mix does not have."""
    _in_mix_mode(dashboard)
    dashboard.mix.presets["uniform"].clicks += 1
    dashboard.wait()
    curves = dashboard.advise.curves
    curves.show(dashboard.result.spec)
    dashboard.wait()
    text = curves.text.object
    assert "failed" not in text and "whole mix" in text and "one group" in text, text
