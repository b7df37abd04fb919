"""A real browser against a real `panel serve`: move the slider by keyboard, compare with the CLI."""

import json
import time

import pytest

from helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, cli_json, move_slider, served

pytestmark = pytest.mark.ui
ALGORITHMS = "xgboost,logistic_regression"
# DiscreteSlider positions of distviz.views.controls.RATIOS; the centre (index 6) is the baseline.
RATIOS = [-1.0, -0.8, -0.6, -0.5, -0.4, -0.2, 0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0]

SHOWN = """() => {
  if (!window.Bokeh || !Bokeh.documents.length) return {figures: {}, label: '', slider: []};
  const models = [...Bokeh.documents[0].all_models];
  const get = (data, key) => Array.from(data.get ? data.get(key) : data[key]);
  const figures = models.filter(m => m.type === 'Figure' && m.title && /F1 /.test(m.title.text));
  const out = {};
  for (const f of figures) {
    const name = f.title.text.split(' ')[0];
    const text = f.renderers.filter(r => r.data_source && (r.data_source.data.get ?
        r.data_source.data.has('text') : 'text' in r.data_source.data));
    if (!text.length) continue;
    out[name] = {title: f.title.text, text: get(text[0].data_source.data, 'text')};
  }
  const slider = models.filter(m => m.type === 'Slider' || m.type === 'DiscreteSlider');
  const debug = models.filter(m => m.type === 'Figure' && m.title).map(f => [f.title.text,
      f.renderers.map(r => r.data_source ? [...(r.data_source.data.keys ?
          r.data_source.data.keys() : Object.keys(r.data_source.data))].join(',') : '')]);
  return {figures: out, label: slider.map(s => s.title).join('|'),
          slider: slider.map(s => s.value), debug};
}"""


def _expected(ratio):
    report = cli_json("run", "--data", "titanic", "--feature", "sex", "--group", "female",
                      "--ratio", str(ratio), "--algorithms", ALGORITHMS,  # the dashboard's seeds
                      "--n-jobs", "1")
    return {r["algorithm"]: r for r in report["results"]}


def _counts(texts):
    # Cell labels are "mean count" (one decimal) or "mean count\n(+change)", in (predicted,
    # actual) order.
    return sorted(float(t.split("\n")[0]) for t in texts)


def _wait_for(page, expected, timeout=120):
    deadline = time.time() + timeout
    shown = None
    while time.time() < deadline:
        shown = page.evaluate(SHOWN)
        figures = shown["figures"]
        if all(name in figures and f"F1 {entry['metrics']['f1']:.3f}" in figures[name]["title"]
               and _counts(figures[name]["text"]) == sorted(
                   round(c, 1) for c in sum(entry["confusion_matrix"]["counts"], []))
               for name, entry in expected.items()):
            return shown
        time.sleep(0.5)
    page.screenshot(path=str(ARTIFACTS / "ui-failed.png"), full_page=True)
    raise AssertionError(f"page never showed the CLI's numbers: {json.dumps(shown)[:2000]}")


def test_slider_moves_show_the_cli_numbers():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with served() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.goto(f"{url}?algorithms={ALGORITHMS}")
        _wait_for(page, _expected(0.0))
        page.screenshot(path=str(ARTIFACTS / "ui-baseline.png"), full_page=True)
        handle = page.locator(".noUi-handle").first
        handle.focus()
        for ratio in (-0.5, 1.0):
            move_slider(handle, RATIOS.index(ratio))
            _wait_for(page, _expected(ratio))
            n_after = round(353 * (1 + ratio))
            page.get_by_text(f"Shift sex = female: {n_after} rows").first.wait_for(
                timeout=10_000)
            page.screenshot(path=str(ARTIFACTS / f"ui-ratio-{ratio:+g}.png"), full_page=True)
        browser.close()

