"""A mix from a notebook, in-process (issue 29: the notebook works for mixes): a user builds
``Resampler(mode="mix", mix="uniform")`` and a ``ModelLoop`` over it, then
``Dashboard(resampler=, loop=)``: the page opens in mix mode on that mix, its leaderboard is
`distviz run --mix uniform --json`'s, and setting ``rs.mix`` from code moves the page as a
preset button would. (tests/test_notebook.py executes the example notebook itself.)"""

import pytest

from distviz import Dataset, ModelLoop, Resampler
from distviz.views.app import Dashboard
from helpers import assert_leaderboard_is_the_cli as leaderboard_is_the_cli

FAST = ["xgboost", "logistic_regression"]
REPEATS = 2


def assert_leaderboard_is_the_cli(board, mix: str) -> None:
    """The shared check (numbers, groups, shares), plus each delta and verdict."""
    report = leaderboard_is_the_cli(board, "--mix", mix, shift_keys=("mix", "groups"))
    shown = board.leaderboard().set_index("algorithm")
    for entry in report["results"]:
        name = entry["algorithm"]
        assert shown.loc[name, "delta"] == pytest.approx(entry["delta"]["f1"], abs=5e-5)
        assert shown.loc[name, "verdict"] == entry["verdict"]["f1"]


def test_a_notebooks_mix_drives_the_dashboard():
    # As in a notebook cell: the chain first, then the dashboard over it.
    rs = Resampler(dataset=Dataset(source="titanic"), feature="sex", mode="mix", mix="uniform")
    loop = ModelLoop(resampler=rs, algorithms=FAST, repeats=REPEATS, n_jobs=1)
    assert loop.result.spec.shares() == {"female": 0.5, "male": 0.5}
    board = Dashboard(resampler=rs, loop=loop, background=False).wait()
    assert board.resampler is rs and board.loop is loop
    assert board.result.spec.mix_name == "uniform" and rs.mode == "mix"
    # The page shows the mix: its mode, its shares, its line; not the one-group slider.
    assert board.mix.mode.value == "mix" and board.mix.__panel__().visible
    assert not board.slider.slider.visible and not board.group_widget.visible
    assert {g: w.value for g, w in board.mix.inputs.items()} == {"female": 0.5, "male": 0.5}
    assert board.shift_label.startswith("Mix of sex in force: uniform")
    assert_leaderboard_is_the_cli(board, "uniform")
    # A later cell sets the mix from code: the page follows, as after a preset button.
    request = loop.request
    rs.mix = "sqrt"
    board.wait()
    assert loop.request == request + 1 and board.result.spec.mix_name == "sqrt"
    typed = {g: w.value for g, w in board.mix.inputs.items()}
    assert typed == pytest.approx(board.result.spec.shares(), abs=1e-6)
    assert board.shift_label.startswith("Mix of sex in force: sqrt")
    assert_leaderboard_is_the_cli(board, "sqrt")
