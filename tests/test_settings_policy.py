"""Issue 25.1: one settings policy (docs/semantics.md, 11). The policy's values, the command
line following it with no flag and overriding it with each knob, and every output stating the
settings it used (checked against what the fits did)."""

import json
import subprocess
import sys

import pytest

from distviz.data import Dataset
from distviz.loop import policy
from distviz.synth import TARGET, make_table, write_csv

ALGORITHM = "logistic_regression"


@pytest.fixture(scope="module")
def large_file(tmp_path_factory):
    """60,000 rows: more than the policy's 50,000-row sample."""
    return write_csv(tmp_path_factory.mktemp("policy") / "large.csv", 60_000, random_state=2)


def cli(*args, check=True):
    return subprocess.run([sys.executable, "-m", "distviz.cli", *map(str, args)],
                          capture_output=True, text=True, check=check)


def run_json(path, *flags) -> dict:
    return json.loads(cli("run", "--data", path, "--target", TARGET, "--algorithms", ALGORITHM,
                          "--ratio", "-0.5", "--no-cache", "--json", *flags).stdout)


def test_the_policys_values_are_the_pages(titanic):
    from distviz.views.app import INTERACTIVE_TRAIN_ROWS
    from distviz.views.data_picker import INTERACTIVE_ROWS
    chosen = policy.settings_for(titanic)
    assert chosen.to_dict() == {"repeats": 5, "random_state": 0, "max_train_rows": 10_000,
                                "adaptive_seeds": True, "sample_rows": 50_000,
                                "max_test_rows": None}
    assert (INTERACTIVE_ROWS, INTERACTIVE_TRAIN_ROWS) == (chosen.sample_rows,
                                                          chosen.max_train_rows)
    large = Dataset(source=make_table(30_000), target=TARGET)
    assert policy.settings_for(large).repeats == 3  # 22,500 training rows: above 20,000


def test_the_command_line_follows_the_policy_and_says_so(large_file):
    report = run_json(large_file)
    settings = report["settings"]
    # The page's sample of a large file, seeds and budget, with nothing given.
    assert report["dataset"]["rows"] == settings["rows"] == 50_000
    assert report["dataset"]["sampled_from_rows"] == settings["rows_in_file"] == 60_000
    assert settings["seeds"] == [0, 1, 2] and settings["given"] == []
    assert settings["train_rows_budget"] == 10_000
    assert settings["test_rows"] == report["dataset"]["test_rows"] == 12_500
    same = Dataset(source=str(large_file), target=TARGET, max_rows=policy.SAMPLE_ROWS)
    assert len(same.frame) == 50_000 and len(same.y_test) == settings["test_rows"]
    # What the fits did is what the block says.
    [entry] = report["results"]
    assert entry["train_rows_used"] == 10_000 == settings["algorithm_budgets"][ALGORITHM]
    # Adaptive seeds: the first 2 of 3, the third where it may change the call.
    assert settings["first_seeds"] == 2
    assert len(entry["metrics_per_seed"]) == len(entry["confusion_matrix"]["per_seed"]) \
        == entry["seeds"] in (2, 3)
    assert all(sum(map(sum, m)) == settings["test_rows"]
               for m in entry["confusion_matrix"]["per_seed"])
    text = cli("run", "--data", large_file, "--target", TARGET, "--algorithms", ALGORITHM,
               "--ratio", "-0.5").stdout
    assert text.strip().splitlines()[-1] == f"settings: {policy.describe(settings)}"
    assert policy.describe(settings) == (
        "2-3 seeds (0-2, more where they may change the call); at most 10,000 training rows "
        "per fit; a sample of 50,000 of 60,000 rows; every test row (12,500); the settings "
        "policy's")
    every = run_json(large_file, "--all-seeds")  # every seed, said so
    assert every["settings"]["first_seeds"] is None
    assert every["settings"]["given"] == ["adaptive_seeds"]
    assert len(every["results"][0]["metrics_per_seed"]) == every["results"][0]["seeds"] == 3
    assert policy.describe(every["settings"]).startswith("3 seeds (0-2); ")
    assert policy.describe(every["settings"]).endswith("set by you: adaptive seeds")


def test_every_knob_overrides_the_policy_and_is_stated(large_file):
    report = run_json(large_file, "--all-rows", "--train-rows", "2000", "--repeats", "2",
                      "--seed", "3")
    settings = report["settings"]
    assert settings["given"] == ["repeats", "random_state", "max_train_rows", "sample_rows"]
    assert settings["seeds"] == [3, 4] and settings["rows"] == 60_000
    [entry] = report["results"]
    assert entry["train_rows_used"] == 2_000 == settings["train_rows_budget"]
    assert len(entry["metrics_per_seed"]) == 2 and entry["seeds"] == 2
    assert "set by you: seeds, first seed, training-row budget, rows explored" in \
        policy.describe(settings)
    lifted = run_json(large_file, "--sample", "20000", "--lift-budgets", "--repeats", "2")
    assert lifted["settings"]["rows"] == 20_000 and lifted["settings"]["lift_budgets"]
    assert lifted["settings"]["algorithm_budgets"] == {ALGORITHM: None}
    assert lifted["results"][0]["train_rows_used"] == lifted["shift"]["train_rows_after"] > 10_000
    assert lifted["settings"]["given"] == ["repeats", "lift_budgets", "sample_rows"]


@pytest.mark.parametrize("flags, message", [
    (["--train-rows", "lots"], "--train-rows takes a number of rows of at least 100"),
    (["--train-rows", "5"], "--train-rows takes a number of rows of at least 100"),
    (["--sample", "5"], "--sample must be at least 100 rows"),
    (["--sample", "1000", "--all-rows"], "not allowed with"),
])
def test_bad_settings_are_one_error_line(flags, message):
    for command in ("run", "sweep", "advise", "export"):
        extra = ["--out", "x.html"] if command == "export" else []
        out = cli(command, "--data", "titanic", *extra, *flags, check=False)
        assert out.returncode == 2, (command, out.stderr)
        assert out.stderr.startswith("error:") and message in out.stderr, (command, out.stderr)
        assert len(out.stderr.strip().splitlines()) == 1
