"""What a served page looks like, measured without pixels: the boxes of its plot canvases
(shadow roots included), overlaps between them, canvases past the viewport's right edge, and
waiting until the drawing stops changing. Used by the browser tests and docs/take_screenshots.py.
"""

import time

# The box of every drawn Bokeh canvas wider and taller than a toolbar icon, with the title of
# the figure it draws when Bokeh knows it (shadow roots included).
CANVASES = """() => {
  const boxes = [];
  const walk = root => {
    for (const el of root.querySelectorAll('*')) {
      if (el.tagName === 'CANVAS') {
        const r = el.getBoundingClientRect();
        if (r.width > 60 && r.height > 60 && r.bottom > 0 && r.right > 0)
          boxes.push([r.left, r.top, r.right, r.bottom]);
      }
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return boxes;
}"""

# Every visible tab header's text, in order.
TAB_NAMES = """() => {
  const names = [];
  const walk = root => {
    for (const el of root.querySelectorAll('*')) {
      if (el.classList && el.classList.contains('bk-tab')) names.push(el.textContent.trim());
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return names;
}"""

SLIVER = 2  # px: boxes touching at an edge (rounding) are not an overlap


def canvas_boxes(page) -> list[tuple[int, int, int, int]]:
    """(left, top, right, bottom) of every plot; a plot's layered canvases count once."""
    return sorted({tuple(round(v) for v in box) for box in page.evaluate(CANVASES)})


def overlaps(boxes) -> list[tuple]:
    """Pairs of boxes that intersect by more than a sliver both ways."""
    def clash(a, b):
        return (min(a[2], b[2]) - max(a[0], b[0]) > SLIVER and
                min(a[3], b[3]) - max(a[1], b[1]) > SLIVER)
    return [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:] if clash(a, b)]


def past_right_edge(boxes, width: int) -> list[tuple]:
    """Boxes that reach past the viewport's right edge (cut off for the user)."""
    return [box for box in boxes if box[2] > width + SLIVER]


def settle(page, minimum: int = 0, quiet: float = 2.0, timeout: float = 120.0) -> list[tuple]:
    """Wait until there are at least ``minimum`` canvas boxes and they stop changing for
    ``quiet`` seconds (plots arrive a while after the text that announces them); returns them."""
    deadline = time.time() + timeout
    last, since = None, time.time()
    while time.time() < deadline:
        boxes = canvas_boxes(page)
        if boxes != last or len(boxes) < minimum:
            last, since = boxes, time.time()
        elif time.time() - since >= quiet:
            break
        time.sleep(0.25)
    return last or []


# True once a data source of the page (a table's or a plot's) has the column ``name``.
HAS_COLUMN = """name => window.Bokeh && Bokeh.documents.length &&
  [...Bokeh.documents[0].all_models].some(m => m.data &&
    (typeof m.data.has === 'function' ? m.data.has(name) : name in m.data))"""


def wait_for_column(page, name: str, timeout: float = 300.0) -> None:
    """Wait until the page holds data with the column ``name`` (e.g. ``rank_shap``: the full
    feature ranking, which arrives seconds after the first run)."""
    page.wait_for_function(HAS_COLUMN, arg=name, timeout=timeout * 1000)
