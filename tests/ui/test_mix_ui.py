"""The whole-mix shift in a real browser against `panel serve`: switch to "whole mix", click the
`uniform` preset and the leaderboard reads what `distviz run --mix uniform --json` prints; a
hand-typed share that breaks the sum is one notification and leaves the numbers; typing the
other share and applying gives the numbers of `distviz run --mix female=0.6,male=0.4`."""

import json
import re
import subprocess
import sys
import time

import pytest

from helpers import (ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, leaderboard, served,
                     wait_for_leaderboard, wait_notification)

pytestmark = pytest.mark.ui
ALGORITHMS = "xgboost,logistic_regression"
HAND_SET = {"female": 0.6, "male": 0.4}


def run_mix(mix: str) -> dict:
    """`distviz run --mix MIX --json` on titanic's sex, the page's default feature; no cache."""
    out = subprocess.run([sys.executable, "-m", "distviz.cli", "run", "--data", "titanic",
                          "--feature", "sex", "--mix", mix, "--algorithms", ALGORITHMS,
                          "--no-cache", "--json"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)


def shows(report: dict):
    """Whether a leaderboard shows ``report``'s numbers, every seed in."""
    def same(board) -> bool:
        if set(board) != {r["algorithm"] for r in report["results"]}:
            return False
        for entry in report["results"]:
            row = board[entry["algorithm"]]
            seeds = len(entry["metrics_per_seed"])
            try:
                shown = [float(row[k]) for k in ("baseline", "now", "delta")]
            except (KeyError, ValueError):
                return False
            wanted = (entry["baseline"]["f1"], entry["metrics"]["f1"], entry["delta"]["f1"])
            if row.get("seeds") != f"{seeds} of {seeds}" or any(
                    abs(a - b) > 6e-5 for a, b in zip(shown, wanted)):
                return False
        return True
    return same


def type_share(page, group: str, share: float) -> None:
    box = page.get_by_label(group, exact=True)
    box.fill(str(share))
    box.press("Enter")  # the input's value is committed on Enter (or on leaving it)


@pytest.mark.timeout(600)
def test_uniform_preset_and_a_hand_set_share_give_the_cli_numbers(tmp_path):
    from playwright.sync_api import sync_playwright

    uniform = run_mix("uniform")
    hand_set = run_mix(",".join(f"{g}={s}" for g, s in HAND_SET.items()))
    assert uniform["shift"]["mix"] == {"male": 0.5, "female": 0.5}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with served(env={"DISTVIZ_CACHE_DIR": str(tmp_path / "cache")}) as url, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.goto(f"{url}?algorithms={ALGORITHMS}")
        page.get_by_text(re.compile(r"^Ran \d+ algorithms")).first.wait_for(timeout=300_000)

        page.get_by_label("whole mix", exact=True).check()
        page.get_by_text(re.compile(r"^Mix of sex in force: original")).first.wait_for(
            timeout=60_000)
        page.get_by_role("button", name="uniform", exact=True).click()
        page.get_by_text(re.compile(r"^Mix of sex in force: uniform")).first.wait_for(
            timeout=60_000)
        board = wait_for_leaderboard(page, "the uniform mix's numbers", shows(uniform),
                                     timeout=300, screenshot="mix-uniform-failed.png")

        # One share typed by hand breaks the sum: one notification, the numbers stay.
        type_share(page, "female", HAND_SET["female"])
        page.get_by_role("button", name="Apply shares").click()
        said = wait_notification(page, ["shares sum to 1.1", "must sum to 1"])
        assert len(said) == 1, said
        deadline = time.time() + 2  # a run would start at once; give it the chance to show
        while time.time() < deadline:
            assert leaderboard(page) == board
            time.sleep(0.2)

        type_share(page, "male", HAND_SET["male"])
        page.get_by_role("button", name="Apply shares").click()
        page.get_by_text(re.compile(r"^Mix of sex in force: shares as given \(male 40%, "
                                    r"female 60%\)")).first.wait_for(timeout=60_000)
        wait_for_leaderboard(page, "the hand-set mix's numbers", shows(hand_set), timeout=300,
                             screenshot="mix-hand-set-failed.png")
        page.screenshot(path=str(ARTIFACTS / "mix-ui.png"), full_page=True)
        browser.close()
