"""The page on a real file, in Chromium: a census-shaped table (48,000 rows, the target first,
numeric and categorical columns with long category names, missing values, a rare positive
class), served with `distviz serve --data FILE --target income`. At 1280, 1500 and 1920 px
wide nothing leaves the window in any tab, no text is cut and there is no horizontal scrollbar
(its leaderboard carries a "budget: trained on 10000 rows" note on every row); the shift slider
shows its scale under the handle's positions; the inputs' borders are not red."""

import colorsys
import re
import time
from urllib.parse import urlparse

import pytest

from distviz.synth import TARGET, make_table
from distviz.views.controls import RATIOS, times
from helpers import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    Guard,
    distviz_served,
    move_slider,
    wait_for_leaderboard,
)
from page_layout import outside_the_window, past_right_edge, settle

pytestmark = pytest.mark.ui
ALGORITHMS = {"xgboost", "mlp", "random_forest", "svm"}  # `distviz serve` trains the defaults
TABS = [("Models", 5), ("Distributions", 4), ("Per group", 4), ("Feature importance", 1),
        ("Sweep", 0), ("Where data helps", 3)]  # each with the plots it shows at once
COLUMNS = {"num_0": "age", "num_1": "capital_gain", "num_2": "hours_per_week", "num_3": "fnlwgt",
           "num_4": "capital_loss", "num_5": "education_num", "cat_0": "workclass",
           "cat_1": "education", "cat_2": "marital_status", "cat_3": "occupation",
           "cat_4": "relationship", "cat_5": "race", "cat_6": "native_country", "cat_7": "sex",
           TARGET: "income"}


def census_csv(path):
    """A census-shaped file from distviz.synth: its columns renamed after the census's and its
    categories given census-long names ("Marital-Status-C-spouse-absent"), the target first."""
    table = make_table(48_000, n_numeric=6, n_categorical=8, imbalance=0.12, missing=0.03,
                       random_state=7).rename(columns=COLUMNS)
    for name in table.select_dtypes("category"):
        label, levels = name.replace("_", "-").title(), table[name].cat.categories.size
        table[name] = table[name].cat.rename_categories(
            [f"{label}-{chr(65 + k)}-spouse-absent" for k in range(levels)])
    table[["income", *[c for c in table if c != "income"]]].to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """One user's page on the census file, 1280 px wide to start with (the tests resize it:
    one session, so the work each tab starts in the background is not repeated per width)."""
    from playwright.sync_api import sync_playwright
    path = census_csv(tmp_path_factory.mktemp("census") / "census.csv")
    with distviz_served("--data", str(path), "--target", "income", timeout=120) as server, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        guard = Guard(context, urlparse(server.url).netloc)
        page = guard.watch(context.new_page())
        page.goto(server.url)
        wait_for_leaderboard(page, "every algorithm's numbers",
                             lambda b: set(b) == ALGORITHMS and all(r["now"] for r in b.values()),
                             timeout=400, screenshot="real-file-failed.png")
        page.get_by_text(re.compile(r"^Ran \d+ algorithms")).first.wait_for(timeout=400_000)
        yield page
        browser.close()
        assert not guard.errors, "\n\n".join(guard.errors)
        assert not guard.outside, guard.outside


# The number of maps drawn in "Where data helps" (one per ratio, planned before any fit).
MAPS = """() => [...Bokeh.documents[0].all_models].filter(m => m.type === 'Figure' && m.title &&
  / change in /.test(m.title.text || '')).length"""


def _open_tab(page, tab: str, plots: int) -> list:
    page.locator(".bk-tab").filter(has_text=re.compile(f"^{re.escape(tab)}$")).first.click()
    if tab == "Where data helps":
        page.wait_for_function(f"() => ({MAPS})() >= 2", timeout=120_000)
    boxes = settle(page, plots, quiet=1.5)
    assert len(boxes) >= plots, (tab, boxes)  # drawn, not collapsed
    return boxes


@pytest.mark.timeout(900)
@pytest.mark.parametrize("width", [1280, 1500, 1920])
def test_nothing_leaves_the_window(page, width):
    page.set_viewport_size({"width": width, "height": 1000})
    board = wait_for_leaderboard(page, "the leaderboard", lambda b: set(b) == ALGORITHMS)
    # The case that widened the page: a budget note on every row.
    assert all("budget: trained on" in row["note"] for row in board.values()), board
    problems = {}
    for tab, plots in TABS:
        boxes = _open_tab(page, tab, plots)
        page.screenshot(path=str(ARTIFACTS / f"real-file-{width}-{tab}.png"), full_page=True)
        shown = {**outside_the_window(page), "canvases": past_right_edge(boxes, width)}
        problems[tab] = {what: found for what, found in shown.items() if found}
    _open_tab(page, "Models", 5)
    assert not any(problems.values()), problems


# The border colour of every input, select and button-like input of the page.
BORDERS = """() => {
  const colours = [];
  const walk = root => {
    for (const el of root.querySelectorAll('.bk-input')) {
      const box = el.getBoundingClientRect();
      if (box.width > 0) colours.push(getComputedStyle(el).borderTopColor);
    }
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
  };
  walk(document);
  return colours;
}"""


def _reddish(css: str) -> bool:
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+", css)[:3])
    hue, lightness, saturation = colorsys.rgb_to_hls(r, g, b)
    return saturation > 0.3 and (hue < 30 / 360 or hue > 330 / 360)


@pytest.mark.timeout(600)
def test_inputs_have_no_red_border(page):
    borders = page.evaluate(BORDERS)
    assert len(borders) >= 6, borders  # dataset, target, feature, group, up-sampler, ...
    assert not [c for c in borders if _reddish(c)], borders


# The scale under the slider: each label's text and the centre of its box.
SCALE = """() => {
  let labels = null;
  const walk = root => {
    for (const el of root.querySelectorAll('*')) {
      if (el.title === 'group rows, as a multiple of the group now')
        labels = [...el.querySelectorAll('span')].map(s => {
          const box = s.getBoundingClientRect();
          return [s.textContent, (box.left + box.right) / 2];
        });
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return labels;
}"""


def _settled(page, script: str, timeout: float = 20.0):
    """``script``'s value once two readings 0.2 s apart agree."""
    deadline, last = time.time() + timeout, None
    while time.time() < deadline:
        value = page.evaluate(script)
        if value is not None and value == last:
            return value
        last = value
        time.sleep(0.2)
    raise AssertionError(f"still changing after {timeout} s: {last}")


@pytest.mark.timeout(600)
def test_the_slider_shows_its_scale_under_its_positions(page):
    page.set_viewport_size({"width": 1280, "height": 1000})
    labels = _settled(page, SCALE)  # once the page has laid itself out again
    assert [text for text, _ in labels] == [times(r) for r in RATIOS]
    assert {"0x", "1x", "2x", "4x"} <= {text for text, _ in labels}
    handle = page.locator(".noUi-handle").first
    for ratio in (0.0, -1.0, 1.0, 3.0):  # the baseline first: where the page opens
        index = RATIOS.index(ratio)
        move_slider(handle, index)
        box = handle.bounding_box()
        text, centre = labels[index]
        assert text == times(ratio)
        assert abs(box["x"] + box["width"] / 2 - centre) <= 3, (ratio, box, centre)
    page.screenshot(path=str(ARTIFACTS / "real-file-slider-scale.png"),
                    clip={"x": 340, "y": 60, "width": 940, "height": 320})
