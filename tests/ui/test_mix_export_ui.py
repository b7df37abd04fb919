"""The mix snapshot in Chromium, offline (issue 29: export works for mixes): `distviz export --mix
uniform` opens from file:// with no network at the uniform mix, its choice moves between the
mixes in the browser, and each mix's table is what `distviz run --mix NAME --json` computes."""

import re

import pytest

from helpers import ARTIFACTS, cli_json
from test_export import assert_same_numbers, metrics_shown, open_offline

pytestmark = pytest.mark.ui
ALGORITHMS = "xgboost,logistic_regression"
REPEATS = 2


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    import subprocess
    import sys
    path = tmp_path_factory.mktemp("mix-export") / "uniform.html"
    subprocess.run([sys.executable, "-m", "distviz.cli", "export", "--data", "titanic",
                    "--feature", "sex", "--mix", "uniform", "--algorithms", ALGORITHMS,
                    "--repeats", str(REPEATS), "--n-jobs", "1", "--out", str(path)],
                   capture_output=True, text=True, check=True)
    return path


def _cli(mix: str) -> dict:
    report = cli_json("run", "--data", "titanic", "--feature", "sex", "--mix", mix,
                      "--algorithms", ALGORITHMS, "--repeats", str(REPEATS), "--n-jobs", "1",
                      "--no-cache")
    return {r["algorithm"]: (r["baseline"]["f1"], r["metrics"]["f1"], r["delta"]["f1"])
            for r in report["results"]}


def test_the_mix_choice_works_offline_with_the_cli_numbers(snapshot):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    expected = {mix: _cli(mix) for mix in ("uniform", "sqrt", "original")}
    requested = []
    with sync_playwright() as p:
        browser, page = open_offline(p, snapshot, requested)
        choice = page.locator("select").first
        choice.wait_for(timeout=30_000)
        title = page.locator("table.distviz-metrics").locator("xpath=preceding-sibling::div[1]")
        # It opens at the mix exported, and says its shares.
        expect(title).to_contain_text("mix of sex: uniform", timeout=30_000)
        assert choice.evaluate("s => s.options[s.selectedIndex].text") == "uniform"
        expect(page.get_by_text(re.compile(r"female 0\.500 \(353 → 492 rows\)"))).to_be_visible()
        assert_same_numbers(metrics_shown(page)[1], expected["uniform"], "on opening")
        page.screenshot(path=str(ARTIFACTS / "mix-export-uniform.png"), full_page=True)
        for mix in ("sqrt", "original", "uniform"):
            choice.select_option(label=mix)
            expect(title).to_contain_text(f"mix of sex: {mix}", timeout=10_000)
            assert_same_numbers(metrics_shown(page)[1], expected[mix], mix)
            if mix == "sqrt":
                page.screenshot(path=str(ARTIFACTS / "mix-export-sqrt.png"), full_page=True)
        expect(page.get_by_text("Mix of sex: uniform", exact=False).first).to_be_visible()
        browser.close()
    assert requested == []
