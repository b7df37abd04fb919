"""What a served page looks like, measured without pixels: the boxes of its plot canvases
(shadow roots included), overlaps between them, canvases past the viewport's right edge, any
element or text the window does not show whole, and waiting until the drawing stops changing.
Used by the browser tests and docs/take_screenshots.py.
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

# What the user cannot see whole, shadow roots included: ``past`` elements drawn past the window's
# right edge (after clipping by their ancestors), ``cut`` text wider than its own box (an
# ellipsis, clipped text, a select showing part of its choice), ``bars`` horizontal scrollbars
# (the page's or an element's).
OUTSIDE = """() => {
  const W = window.innerWidth, past = [], cut = [], bars = [];
  const name = el => `${el.tagName.toLowerCase()}.${String(el.className).split(' ')[0]}`;
  const up = el => el.parentElement || (el.getRootNode() && el.getRootNode().host) || null;
  const shownRight = el => {  // the right edge left after every clipping ancestor
    let right = el.getBoundingClientRect().right;
    for (let a = up(el); a; a = up(a))
      if (getComputedStyle(a).overflowX !== 'visible')
        right = Math.min(right, a.getBoundingClientRect().right);
    return right;
  };
  const ruler = document.createElement('canvas').getContext('2d');
  const walk = root => {
    for (const el of root.querySelectorAll('*')) {
      const box = el.getBoundingClientRect(), s = getComputedStyle(el);
      if (!(box.width > 0 && box.height > 0)) continue;
      if (box.right > W + 2 && shownRight(el) > W + 2)
        past.push([name(el), Math.round(box.right)]);
      if (['auto', 'scroll'].includes(s.overflowX) && el.scrollWidth > el.clientWidth + 1)
        bars.push([name(el), el.scrollWidth, el.clientWidth]);
      const text = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
      if (text && s.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1)
        cut.push([name(el), el.textContent.trim().slice(0, 40), el.scrollWidth, el.clientWidth]);
      if (el.tagName === 'SELECT' && el.selectedIndex >= 0) {
        ruler.font = s.font;
        const choice = el.options[el.selectedIndex].text;
        const need = ruler.measureText(choice).width + parseFloat(s.paddingLeft) +
          parseFloat(s.paddingRight);
        if (need > el.clientWidth + 1)
          cut.push([name(el), choice.slice(0, 40), Math.round(need), el.clientWidth]);
      }
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  const page = document.scrollingElement;
  if (page.scrollWidth > page.clientWidth) bars.push(['page', page.scrollWidth, page.clientWidth]);
  return {past, cut, bars};
}"""


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


def outside_the_window(page) -> dict[str, list]:
    """:data:`OUTSIDE` for this page: every list empty when everything is shown whole."""
    return page.evaluate(OUTSIDE)


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
