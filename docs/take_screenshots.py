"""Regenerate docs/images/*.png from a real `panel serve` in headless Chromium.

    .venv/bin/python docs/take_screenshots.py
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers import CHROMIUM, CHROMIUM_ARGS, move_slider, served  # noqa: E402

IMAGES = Path(__file__).resolve().parent / "images"


def main() -> None:
    from playwright.sync_api import sync_playwright

    IMAGES.mkdir(exist_ok=True)
    with served() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1250})
        page.goto(url)
        page.get_by_text("Ran 4 algorithms").first.wait_for(timeout=180_000)
        time.sleep(2)
        page.screenshot(path=str(IMAGES / "step-1-baseline.png"))
        handle = page.locator(".noUi-handle").first
        move_slider(handle, 3)  # 0 -> -0.5: half the group's training rows
        page.get_by_text("Shift sex = female: 176 rows").first.wait_for(timeout=180_000)
        time.sleep(1)
        page.get_by_text("Ran 4 algorithms").first.wait_for(timeout=180_000)
        time.sleep(3)
        page.screenshot(path=str(IMAGES / "dashboard.png"))
        page.screenshot(path=str(IMAGES / "step-2-shifted.png"))
        for tab, name in (("Distributions", "step-3-distributions"),
                          ("Feature importance", "step-4-importance"),
                          ("Per group", "step-5-groups")):
            page.get_by_text(tab, exact=True).first.click()
            time.sleep(3)
            page.screenshot(path=str(IMAGES / f"{name}.png"))
        browser.close()
    print("wrote", sorted(p.name for p in IMAGES.glob("*.png")))


if __name__ == "__main__":
    main()
