"""Regenerate docs/images/*.png from a real `panel serve` in headless Chromium.

    .venv/bin/python docs/take_screenshots.py [--datasets titanic,diabetes] [--algorithms a,b]

For each dataset (default: titanic, a classification, and diabetes, a regression), the page
opens on its defaults, trains, and every tab the page has is shown and saved as
``<dataset>-<n>-<tab>.png`` (the Sweep tab after a small sweep, metric and change vs baseline; a
tab that computes when opened, once it is done). Titanic also gives the README's
walk-through (``dashboard.png``, ``step-*.png``: baseline, then sex = female at -0.5) and the
whole-mix mode (``mix-mode.png``: age, uniform preset; ``--mix-only`` takes just that one). The
script prints, per image, the plots that overlap or reach past the right edge, as
tests/ui/test_tabs_ui.py checks them. Re-run it after any UI change; it takes a few minutes.
"""

import argparse
import re
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers import CHROMIUM, CHROMIUM_ARGS, move_slider, served  # noqa: E402
from page_layout import (TAB_NAMES, overlaps, past_right_edge, settle,  # noqa: E402
                         wait_for_column)

IMAGES = Path(__file__).resolve().parent / "images"
WIDTH, HEIGHT = 1500, 1300
STATUS = re.compile(r"^Ran \d+ algorithms")
# The walk-through's later steps are these tabs of the shifted titanic page.
# The tabs that always show a plot (others may wait for a button).
PLOTTED = {"Models", "Distributions", "Per group", "Feature importance", "Sweep"}
STEPS = {"Distributions": "step-3-distributions", "Feature importance": "step-4-importance",
         "Per group": "step-5-groups"}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def wait_for_run(page, previous: str | None = None, timeout: float = 300) -> str:
    """Wait until the status line says a run finished (another than ``previous``)."""
    status = page.get_by_text(STATUS).first
    deadline = time.time() + timeout
    while time.time() < deadline:
        if status.count() and status.is_visible():
            text = status.text_content()
            if text != previous:
                return text
        time.sleep(0.3)
    raise TimeoutError(f"no finished run after {timeout:.0f} s")


def run_sweep(page, repeats: int, features: int, timeout: float = 900) -> None:
    """Press Run sweep with ``repeats`` seeds over ``features`` features and wait for it."""
    page.get_by_label("Repeats", exact=True).fill(str(repeats))
    page.get_by_label("Features", exact=True).fill(str(features))
    page.keyboard.press("Tab")
    time.sleep(0.5)
    page.get_by_role("button", name="Run sweep").click()
    page.get_by_text(re.compile(r"\d+ distinct fits")).first.wait_for(timeout=timeout * 1000)


# The page's own scrolling areas (FastListTemplate): the screenshot is made as tall as they are.
CONTENT_HEIGHT = """() => {
  const areas = ['main', 'sidebar'].map(id => document.getElementById(id)).filter(Boolean);
  return Math.ceil(Math.max(0, ...areas.map(a => a.getBoundingClientRect().top + a.scrollHeight)));
}"""


# A progress bar in view (a tab computing in the background, e.g. the "Where data helps" map).
BUSY = """() => {
  let busy = false;
  const walk = root => {
    for (const el of root.querySelectorAll('*')) {
      if (el.tagName === 'PROGRESS' && el.getBoundingClientRect().width > 0) busy = true;
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return busy;
}"""


def wait_until_idle(page, timeout: float = 900) -> None:
    """Wait until no progress bar shows (what a tab computes on opening is in its picture)."""
    deadline = time.time() + timeout
    while page.evaluate(BUSY) and time.time() < deadline:
        time.sleep(1)


def shoot(page, path: Path, plots: int = 1) -> str:
    """Screenshot the page once it is idle and shows at least ``plots`` plots, settled, as
    tall as its content (no tooltip: the pointer moves away); returns a line on its layout."""
    page.mouse.move(WIDTH - 5, 5)
    wait_until_idle(page)
    settle(page, plots)
    page.set_viewport_size({"width": WIDTH, "height": max(HEIGHT, page.evaluate(CONTENT_HEIGHT))})
    boxes = settle(page, plots)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    problems = [f"{len(overlaps(boxes))} overlapping pairs" if overlaps(boxes) else "",
                f"{len(past_right_edge(boxes, WIDTH))} past the right edge"
                if past_right_edge(boxes, WIDTH) else ""]
    problems = [p for p in problems if p]
    return f"{path.name}: {len(boxes)} plots, " + (", ".join(problems) or "no overlap, none cut")


def every_tab(page, dataset: str, args, images: Path) -> list[str]:
    """One image per tab of the page as it stands."""
    lines = []
    for number, tab in enumerate(page.evaluate(TAB_NAMES), start=1):
        page.locator(".bk-tab").filter(has_text=re.compile(f"^{re.escape(tab)}$")).first.click()
        time.sleep(1)
        if tab == "Sweep":
            run_sweep(page, args.repeats, args.features)
        if tab == "Feature importance":  # permutation and SHAP arrive after the first run
            wait_for_column(page, "rank_shap")
        lines.append(shoot(page, images / f"{dataset}-{number}-{slug(tab)}.png",
                           plots=0 if tab not in PLOTTED else 1))
        if tab == "Sweep":
            page.get_by_role("button", name="change vs baseline").click()
            lines.append(shoot(page, images / f"{dataset}-{number}-{slug(tab)}-change.png"))
        if dataset == "titanic" and tab in STEPS:
            shutil.copyfile(images / f"{dataset}-{number}-{slug(tab)}.png",
                            images / f"{STEPS[tab]}.png")
    return lines


def mix_mode(page, images: Path) -> str:
    """The whole-mix mode: age's groups under the uniform preset, once its run is in."""
    previous = page.get_by_text(STATUS).first.text_content()
    page.get_by_label("whole mix", exact=True).check()
    page.get_by_label("Feature", exact=True).select_option("age")
    page.get_by_role("button", name="uniform", exact=True).click()
    page.get_by_text(re.compile(r"^Mix of age in force: uniform")).first.wait_for(timeout=60_000)
    wait_for_run(page, previous=previous)
    return shoot(page, images / "mix-mode.png", plots=2)


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="titanic,diabetes")
    parser.add_argument("--algorithms", default="", help="a,b (default: the dashboard's)")
    parser.add_argument("--repeats", type=int, default=2, help="the sweep's seeds per cell")
    parser.add_argument("--features", type=int, default=3, help="the sweep's features")
    parser.add_argument("--out", type=Path, default=IMAGES, help="folder (default docs/images)")
    parser.add_argument("--mix-only", action="store_true", help="only titanic's mix-mode.png")
    args = parser.parse_args()
    images = args.out
    images.mkdir(parents=True, exist_ok=True)
    report = []
    with served() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for dataset in args.datasets.split(","):
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            query = f"?data={dataset}" + (f"&algorithms={args.algorithms}"
                                          if args.algorithms else "")
            page.goto(url + query)
            status = wait_for_run(page)
            if args.mix_only:
                report.append(mix_mode(page, images))
                page.close()
                break
            if dataset == "titanic":  # the README's walk-through: baseline, then -0.5
                report.append(shoot(page, images / "step-1-baseline.png"))
                move_slider(page.locator(".noUi-handle").first, 3)  # 0 -> -0.5
                wait_for_run(page, previous=status)
                report.append(shoot(page, images / "step-2-shifted.png"))
                shutil.copyfile(images / "step-2-shifted.png", images / "dashboard.png")
            report += every_tab(page, dataset, args, images)
            if dataset == "titanic":
                report.append(mix_mode(page, images))
            page.close()
        browser.close()
    print("\n".join(report))


if __name__ == "__main__":
    main()
