"""The whole-mix shift: every group's share of the training set at once (docs/semantics.md, 12).

The state is the resampler's own: ``mode`` ("group" or "mix") and ``mix`` (a preset name or
``{group: share}``). A preset button or "Apply shares" checks the mix first (shares summing to 1,
none negative, none growing a group past the loop's ``max_ratio``) and only then sets
``resampler.mix``, so bad input is one notification and nothing else changes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Callable

import panel as pn

from ..data import Dataset
from ..data.reader import read_table
from ..errors import DistvizError
from ..loop import ModelLoop
from ..shift import PRESETS, Resampler, ShiftSpec, validate_spec
from .session import Session
from .shares_view import SharesView, shown_groups, training_groups, training_shares
from .upload import save_upload

#: The mode choice, as the page says it.
MODE_LABELS = {"one group": "group", "whole mix": "mix"}
#: What a mix keeps, as the page says it.
KEEP_LABELS = {"training-set size": "total", "largest-share group's rows": "largest"}
#: What each preset sets (docs/semantics.md, 12), as its button's tooltip.
PRESET_HELP = {"original": "every group keeps its share: the baseline",
               "uniform": "every group the same share",
               "sqrt": "shares in proportion to the square root of each group's rows",
               "balanced-classes": "the original shares, the target's classes balanced "
                                   "within every group"}
#: Groups named in a one-line description of a mix.
DESCRIBED = 6


def describe_mix(dataset: Dataset, spec: ShiftSpec) -> str:
    """The mix in force, e.g. ``Mix of sex in force: uniform (male 50%, female 50%)``."""
    _, after = training_shares(dataset, spec)
    name = spec.mix_name or "shares as given"
    listed = ", ".join(f"{g} {s:.0%}" for g, s in list(after.items())[:DESCRIBED])
    more = f", +{len(after) - DESCRIBED} more" if len(after) > DESCRIBED else ""
    baseline = ": every group keeps its rows (the baseline)" if not spec.is_mix else ""
    return f"Mix of {spec.feature} in force: {name} ({listed}{more}){baseline}"


def share_width(group: str) -> int:
    """A share input as wide as its group's name (a crossed group's is long)."""
    return max(120, 7 * len(group) + 16)


class MixControls(pn.viewable.Viewer):
    """Presets, one typed share per group (at most 12 shown; the rest keep theirs), "Apply
    shares", and the before/after shares chart; shown in mix mode. ``mode`` is the widget that
    switches between the one-group slider and the mix (``mode_choice``, placed by the layout)."""

    def __init__(self, *, resampler: Resampler, loop: ModelLoop, session: Session,
                 notify: Callable[..., None], **params):
        super().__init__(**params)
        self.resampler, self.loop, self._notify = resampler, loop, notify
        # Radio circles: the page's button groups did not show clearly which one is pressed.
        self.mode = pn.widgets.RadioBoxGroup.from_param(
            resampler.param.mode, options=MODE_LABELS, inline=True, width=190,
            margin=(2, 10, 5, 10))
        self.mode_choice = pn.Column(pn.pane.HTML("Shift", margin=(5, 10, 0, 10)), self.mode,
                                     width=210, margin=0)
        # Each as wide as its name (balanced-classes overflowed a common width).
        self.presets = {name: pn.widgets.Button(label=name, width=max(84, 8 * len(name) + 28),
                                                description=PRESET_HELP[name], margin=(4, 3))
                        for name in PRESETS}
        for name, button in self.presets.items():
            button.on_click(lambda event, name=name: self.apply(name))
        self._inputs: dict[str, pn.widgets.FloatInput] = {}
        self._stale = True  # the inputs follow the resampler only while shown, or when read
        self.grid = pn.FlexBox(sizing_mode="stretch_width", margin=0)
        self.total = pn.pane.HTML("", margin=(12, 10, 0, 10), width=170)
        self.more = pn.pane.HTML("", margin=(0, 10), sizing_mode="stretch_width",
                                 styles={"font-size": "12px", "color": "#555"})
        self.apply_button = pn.widgets.Button(label="Apply shares", color="primary",
                                              width=130, margin=(8, 10))
        self.apply_button.on_click(lambda event: self.apply(self.typed()))
        # The match preset: the shares of a reference file (e.g. where the model is deployed).
        self.match_upload = pn.widgets.FileInput(accept=".csv,.parquet,.pq,.gz", width=230,
                                                 css_classes=["match-upload"],
                                                 margin=(4, 10))
        self.match_upload.param.watch(self._handle_match, ["value"])
        self._session = session
        self.keep = pn.widgets.Select.from_param(resampler.param.keep, options=KEEP_LABELS,
                                                 label="A mix keeps", width=200)
        self.chart = SharesView(resampler=resampler, session=session)
        self._groups: tuple = ()  # the groups the inputs are for
        self._hidden: list[str] = []
        self._layout = pn.Row(
            pn.Column(pn.Row(*self.presets.values(), margin=(0, 7)),
                      pn.Row(pn.pane.HTML("or match a reference file:", margin=(10, 0, 0, 10)),
                             self.match_upload, margin=0),
                      self.grid,
                      pn.Row(self.apply_button, self.total, self.keep), self.more,
                      sizing_mode="stretch_width", margin=0),
            self.chart, sizing_mode="stretch_width", margin=0)
        session.watch(resampler, ["spec", "mode"], self._follow)
        self._follow()

    # ------------------------------------------------------------------ changing the mix
    def apply(self, mix, reference=None) -> bool:
        """Make ``mix`` (a preset name or ``{group: share}``; ``"match"`` with a ``reference``
        table) the shift, in mix mode: checked first, so a bad mix is one notification and
        changes nothing. True when applied."""
        rs = self.resampler
        empty = [g for g, share in mix.items() if share is None] if isinstance(mix, dict) else []
        if empty:
            self._notify(f"the share of group {empty[0]!r} is empty; type a number from 0 to 1 "
                         "for every group.")
            return False
        try:
            validate_spec(rs.dataset, rs.spec_of_mix(mix, reference=reference),
                          max_ratio=self.loop.max_ratio)
        except DistvizError as exc:
            self._notify(str(exc))
            return False
        rs.param.update(mode="mix", mix=mix, reference=reference)
        return True

    def match(self, filename: str, data: bytes) -> None:
        """Take the shares of the reference file ``filename`` (its bytes ``data``): read off the
        document's thread, then applied as the ``match`` preset (a bad file: one notification)."""
        def read():
            with tempfile.TemporaryDirectory() as folder:
                return read_table(save_upload(filename, data, Path(folder)))[0]
        self._session.job(read, done=lambda frame: self.apply("match", reference=frame),
                          failed=self._notify, name="read-reference", lane=f"{self.name}:match")

    def _handle_match(self, event) -> None:
        if self.match_upload.filename and event.new is not None:
            self.match(self.match_upload.filename, event.new)

    def typed(self) -> dict[str, float | None]:
        """The shares as typed, plus the shares in force of the groups not shown."""
        shares = {g: w.value for g, w in self.inputs.items()}
        current = self._current()
        return {**shares, **{g: current.get(g, 0.0) for g in self._hidden}}

    def set_share(self, group: str, share: float) -> None:
        """Type ``share`` for ``group`` (not applied until "Apply shares")."""
        self.inputs[group].value = share

    # ------------------------------------------------------------------ following the model
    def _current(self) -> dict[str, float]:
        """The shares in force as asked (a mix's targets; else the training set's own)."""
        rs = self.resampler
        if rs.spec is None:
            return {}
        if rs.mode == "mix" and rs.spec.is_mix:
            return rs.spec.shares()
        return training_shares(rs.dataset, rs.spec)[0]

    @property
    def inputs(self) -> dict[str, pn.widgets.FloatInput]:
        """The share input of every group shown, by group (up to date when read)."""
        if self._stale:
            self._fill()
        return self._inputs

    def _follow(self, *events) -> None:
        rs = self.resampler
        self._layout.visible = rs.mode == "mix"
        classes = rs.dataset is not None and rs.dataset.is_classification
        self.presets["balanced-classes"].visible = classes
        self._stale = True
        if rs.mode == "mix":  # hidden, it fills when read: a slider move costs nothing here
            self._fill()

    def _fill(self) -> None:
        rs = self.resampler
        self._stale = False
        if rs.spec is None:
            return
        table = training_groups(rs.dataset, rs.spec.feature)
        shown, self._hidden = shown_groups(table)
        if tuple(shown) != self._groups:
            self._groups = tuple(shown)
            self._inputs = {g: pn.widgets.FloatInput(label=g, start=0.0, end=1.0, step=0.01,
                                                     format="0.000", width=share_width(g),
                                                     css_classes=["mix-share"])
                            for g in shown}
            for widget in self._inputs.values():
                widget.param.watch(self._say_total, "value")
            self.grid.objects = list(self._inputs.values())
        current = self._current()
        for group, widget in self._inputs.items():
            widget.value = current.get(group, 0.0)
        rest = sum(current.get(g, 0.0) for g in self._hidden)
        self.more.object = (f"{len(self._hidden)} smaller groups are not shown; they keep "
                            f"their shares ({rest:.1%} together); a preset sets them too."
                            if self._hidden else "")
        self._say_total()

    def _say_total(self, *events) -> None:
        total = sum(w.value or 0.0 for w in self._inputs.values()) + sum(
            self._current().get(g, 0.0) for g in self._hidden)
        ok = abs(total - 1.0) <= 1e-3
        self.total.object = (f'<span style="color:{"#555" if ok else "#c62828"}">'
                             f'shares sum to {total:.3f}{"" if ok else " (must be 1)"}</span>')

    def __panel__(self):
        return self._layout
