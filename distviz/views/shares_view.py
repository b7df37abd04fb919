"""Every group's share of the training set before and after the shift in force, drawn from the
resampler's spec the moment it changes (no training needed: the counts are the mix's rule)."""

from __future__ import annotations

import holoviews as hv
import pandas as pd
import panel as pn

from ..data import Dataset
from ..shift import Resampler, ShiftSpec, mix_counts, rows_after
from . import plots
from .session import Session

HEIGHT = 250  # px: room for slanted bin labels under the bars
#: The most groups a compact control shows one by one; the rest are pooled (and said).
MAX_SHOWN = 12


def training_groups(dataset: Dataset, feature: str) -> pd.DataFrame:
    """The groups of ``feature`` with training rows, in the dataset's order (group, train_rows)."""
    table = dataset.groups(feature)
    return table[table["train_rows"] > 0][["group", "train_rows"]].reset_index(drop=True)


def shown_groups(table: pd.DataFrame, limit: int = MAX_SHOWN) -> tuple[list[str], list[str]]:
    """The groups shown one by one (the ``limit`` largest, in the table's order) and the rest."""
    largest = set(table.nlargest(limit, "train_rows", keep="first")["group"])
    shown = [g for g in table["group"] if g in largest]
    return shown, [g for g in table["group"] if g not in largest]


def training_shares(dataset: Dataset, spec: ShiftSpec) -> tuple[dict[str, float],
                                                                dict[str, float]]:
    """Every training group's share before and after ``spec`` (a mix: its target counts by
    largest remainder; a ratio: the chosen group's rows times 1 + r, the others as they are)."""
    table = training_groups(dataset, spec.feature)
    before = dict(zip(table["group"], table["train_rows"].astype(int)))
    if spec.is_mix:
        after = mix_counts(dataset, spec).groups
    else:
        after = dict(before)
        if spec.group in after:
            after[spec.group] = rows_after(before[spec.group], spec.ratio)
    return _normalised(before), _normalised(after)


def _normalised(counts: dict[str, int]) -> dict[str, float]:
    total = max(sum(counts.values()), 1)
    return {g: n / total for g, n in counts.items()}


def pooled(shares: dict[str, float], hidden: list[str]) -> dict[str, float]:
    """``shares`` with the ``hidden`` groups pooled into one "N other groups" entry."""
    if not hidden:
        return shares
    kept = {g: s for g, s in shares.items() if g not in hidden}
    kept[f"{len(hidden)} other groups"] = sum(shares.get(g, 0.0) for g in hidden)
    return kept


class SharesView(pn.viewable.Viewer):
    """Training share per group before (grey) and after (red) the shift the resampler declares:
    a mix's target shares, or a ratio's; at most :data:`MAX_SHOWN` groups, the rest pooled.
    Drawn only in mix mode (where it is shown), in place: a slider move costs it nothing."""

    def __init__(self, *, resampler: Resampler, session: Session, width: int = 420, **params):
        super().__init__(**params)
        self.resampler = resampler
        self._drawn = self._data()
        # A DynamicMap fed by a pipe updates its Bokeh plot in place (no new models to sync).
        self._pipe = hv.streams.Pipe(data=self._drawn)
        self._bars = hv.DynamicMap(
            lambda data: plots.share_bars(*data, width=width, height=HEIGHT),
            streams=[self._pipe]).opts(framewise=True)
        self.pane = pn.pane.HoloViews(self._bars, width=width, height=HEIGHT, margin=(0, 5))
        session.watch(resampler, ["spec", "mode"], self._draw)
        self._draw()

    def shares(self) -> tuple[dict[str, float], dict[str, float]]:
        """(before, after): every training group's share, as drawn (before pooling)."""
        rs = self.resampler
        if rs.spec is None:
            return {}, {}
        return training_shares(rs.dataset, rs.spec)

    def drawn(self) -> pd.DataFrame:
        """The bars as drawn: group, stage (before / after), share."""
        return self._bars[()].dframe()

    def _data(self) -> tuple:
        """(before, after, title) as drawn: the hidden groups pooled."""
        rs = self.resampler
        if rs.spec is None:
            return {"": 0.0}, {"": 0.0}, ""
        before, after = self.shares()
        _, hidden = shown_groups(training_groups(rs.dataset, rs.spec.feature))
        return (pooled(before, hidden), pooled(after, hidden),
                f"{rs.spec.feature}: share of training rows")

    def _draw(self, *events) -> None:
        if self.resampler.spec is None or self.resampler.mode != "mix":
            return  # hidden: drawn when shown
        data = self._data()
        if data != self._drawn:
            self._drawn = data
            self._pipe.send(data)

    def __panel__(self):
        return self.pane
