"""A hostile column name and category value render as text in a real browser and run nothing."""

import time
import urllib.parse

import numpy as np
import pandas as pd
import pytest

from helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, served

pytestmark = pytest.mark.ui
EVIL = "<img src=x onerror=alert(1)>"

# Every <img> whose src is the injected "x", searched through every shadow root.
INJECTED_IMAGES = """() => {
  const found = [];
  const walk = root => {
    for (const el of root.querySelectorAll('*')) {
      if (el.tagName === 'IMG' && /(^|\\/)x$/.test(el.getAttribute('src') || '')) found.push(1);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return found.length + (window.__xss || 0);
}"""

# All text of the page, shadow roots included, plus option labels of selects.
ALL_TEXT = """() => {
  const parts = [];
  const walk = root => {
    for (const el of root.querySelectorAll('*')) {
      if (el.tagName === 'OPTION') parts.push(el.textContent);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
    parts.push(root.textContent || (root.host ? '' : document.body.innerText));
  };
  walk(document);
  return parts.join('\\n');
}"""


@pytest.mark.timeout(240)
def test_hostile_names_show_as_text_and_run_nothing(tmp_path):
    from playwright.sync_api import sync_playwright

    rng = np.random.default_rng(0)
    n = 240
    group = rng.choice([EVIL, "plain", "other value"], size=n)
    x = rng.normal(size=n)
    label = np.where((group == EVIL) * 1.5 + x + rng.normal(scale=0.5, size=n) > 0.8, "p", "q")
    path = tmp_path / "evil.csv"
    pd.DataFrame({EVIL: group, "x": x, "label": label}).to_csv(path, index=False)
    query = urllib.parse.urlencode({"algorithms": "logistic_regression"})
    dialogs = []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # A server-side path comes from the server's settings; ?data= only picks listed datasets.
    with served(env={"DISTVIZ_DATA": str(path), "DISTVIZ_TARGET": "label"}) as url, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(f"{url}?{query}")
        # The column name is in the page as literal text (get_by_text pierces shadow DOM); the
        # first match is an <option> of the feature select, which counts as attached, not
        # visible, until the select opens.
        page.get_by_text(EVIL, exact=True).first.wait_for(state="attached", timeout=90_000)
        deadline = time.time() + 60
        while time.time() < deadline and page.evaluate(ALL_TEXT).count(EVIL) < 2:
            time.sleep(0.5)
        text = page.evaluate(ALL_TEXT)
        time.sleep(2)  # give an injected onerror handler time to fire
        page.screenshot(path=str(ARTIFACTS / "ui-xss.png"), full_page=True)
        injected = page.evaluate(INJECTED_IMAGES)
        browser.close()
    assert EVIL in text
    assert text.count(EVIL) >= 2, "the feature name and its group should both be visible"
    assert dialogs == []
    assert injected == 0
