"""A standalone HTML snapshot whose choice of shift still works offline.

Every state is computed through the cached ModelLoop first, with its settings (by default the
settings policy's: the page's seeds and budgets, stated in the header). A snapshot holds either
one group's ratios (:func:`snapshot_html`: feature x ratio, by default the slider's positions,
:data:`distviz.shift.spec.RATIOS`) or a feature's mixes (:func:`mix_snapshot_html`: the
baseline, every preset that applies and the mix in force, each with its shares). The file is
one plain Bokeh document: the Models tab's figures (:class:`~distviz.views.model_figures.
ModelFigures`: the same plots as the dashboard), a metrics table, the choice (a slider and a
feature choice, or a mix choice) and, embedded as JSON, each state's *frame*: the data and texts
its plots show. Choosing a state applies its frame in the browser (no server, no Python), and
BokehJS is inlined, so the file opens from ``file://`` with no network at all.

The metrics table is an HTML table in a ``Div``: one ``text`` per state. (A DataTable, whose
columns are replaced before its data, once showed the previous position's numbers.)
"""

from __future__ import annotations

import html
from functools import partial
from pathlib import Path

from bokeh.embed import file_html
from bokeh.layouts import column, row
from bokeh.models import Div, Select, Slider
from bokeh.resources import Resources

from ..errors import ShiftError
from ..loop import ModelLoop
from ..loop.policy import describe, seed_count
from ..output import check_output
from ..results import RunResult
from ..sentences import practical_meaning
from ..shift import PRESETS, ShiftSpec, mix_spec, validate_spec
from ..shift.spec import RATIOS
from . import plots
from .leaderboard_table import SNAPSHOT_COLUMNS, leaderboard_html
from .model_figures import ModelFigures, frame_switcher
from .models_view import best_model, change_beyond_noise, plus_minus, shift_words

#: Plots per row in the file (a regression model's pair counts as two).
PLOTS_PER_ROW = 4
#: Groups listed one by one in a mix's line (the rest are counted).
MIX_GROUPS_LISTED = 12


class _BokehOnly(Resources):
    """BokehJS inline and nothing else: by default Bokeh also lists the scripts of every model
    class registered in the process (Panel's, once imported), which this file does not use and
    which would be requested, and fail, from ``file://``."""

    def _collect_external_resources(self, resource_attr: str) -> list[str]:
        return []

    def clone(self, *, components=None) -> "_BokehOnly":  # Bokeh clones before bundling
        return _BokehOnly(mode=self.mode, components=components if components is not None
                          else list(self.components))


def metrics_table(run, metric: str) -> str:
    """The state's metrics table as an HTML table: baseline, now and delta per algorithm, the
    delta's interval and verdict (coloured only beyond the noise), its practical call with what
    the run can detect (as the leaderboard shows them), and the best-model line."""
    title = (f"{metric.upper()} — {shift_words(run.spec)} ({run.shift.train_rows_after} "
             "training rows)")
    table = leaderboard_html(plots.leaderboard(run, metric), SNAPSHOT_COLUMNS, "distviz-metrics",
                             width="auto")
    best = best_model(run, metric).replace("**", "")  # its names are escaped already
    return (f'<div style="font-family:sans-serif;font-size:13px">'
            f'<div style="font-weight:bold;font-size:15px;margin-bottom:6px">'
            f"{html.escape(title)}</div>{table}"
            f'<div style="margin-top:6px">{best}</div></div>')


TABLE_TOP, TABLE_ROW, TABLE_BEST = 62, 25, 48  # px: title and header, a row, the best line


def practical_note(min_effect: float, metric: str) -> str:
    """The snapshot's line on the practical column (in its header: the table's height stays
    the same at every slider position, so nothing below it is overlapped)."""
    return (f"practical, against a smallest change that matters of {min_effect:.3g} "
            f"({metric}): {plus_minus(practical_meaning(min_effect))}; ± = the smallest change "
            "the run calls beyond the noise.")


class _Snapshot:
    """What every snapshot holds: the loop's figures and metrics table, each state's frame
    (computed through the loop), and the document around them."""

    def __init__(self, loop: ModelLoop):
        self.loop, self.dataset = loop, loop.dataset
        self.metric = self.dataset.headline_metric
        labels = ([str(c) for c in self.dataset.classes] if self.dataset.is_classification
                  else None)
        self.figures = ModelFigures(task=self.dataset.task_name, labels=labels,
                                    algorithms=[a.name for a in loop.resolved_algorithms()],
                                    size=230)
        # Room for the title, a row per algorithm and a best-model line of two lines in every
        # state: the text changes in the browser, the layout below it does not move.
        self.table = Div(text="", width=900, min_height=TABLE_TOP + TABLE_ROW * len(
            self.figures.algorithms) + TABLE_BEST)
        self.frames: dict[str, dict] = {}
        self.runs: dict[str, RunResult] = {}

    def fill(self, specs: dict[str, ShiftSpec], progress=None) -> None:
        """Run every state's spec through the loop (cached states are not fitted again) and
        keep its frame under its key."""
        for key, spec in specs.items():
            run = self.loop.run(spec)
            frame = self.figures.frame(run, coloured=partial(change_beyond_noise, run),
                                       metric=self.metric)
            frame["table"] = {"text": metrics_table(run, self.metric)}
            self.frames[key], self.runs[key] = frame, run
            if progress:
                progress(len(self.frames), len(specs))

    def switch(self, key_code: str, targets: dict | None = None, **args):
        """The browser callback applying the frame whose ``key`` ``key_code`` computes (to the
        figures, the table and ``targets``)."""
        return frame_switcher(dict(self.figures.targets, table=self.table, **(targets or {})),
                              self.frames, key_code=key_code, **args)

    def html(self, opening: str, how: str, controls) -> str:
        """The file's text, opened at the state ``opening``; ``how`` (HTML) says how to move
        between states, ``controls`` is the Bokeh layout that does it."""
        loop, dataset, frame = self.loop, self.dataset, self.frames[opening]
        self.figures.apply({k: v for k, v in frame.items() if k in self.figures.targets})
        self.table.text = frame["table"]["text"]
        settings = self.runs[opening].settings
        count, adaptive = seed_count(settings)  # "3-5 seeds per state (the rest ...)"
        seeds = f"{count} per state" + (" (the rest where they may change the call)"
                                        if adaptive else "")
        header = Div(width=900, text=(
            f"<h2 style='margin:4px 0'>distviz snapshot: {html.escape(dataset.name)}</h2>"
            f"<p>Target <b>{html.escape(str(dataset.target_name))}</b> ({dataset.task_name}); "
            f"{len(dataset.X_test)} frozen test rows; {seeds} (the table and the confusion "
            "matrices show the mean over the seeds, each change with its 95 % interval and "
            f"verdict; the ROC curves are the first seed's). {how} Matrix cells show the mean "
            "counts and, in brackets, the mean change against the baseline over the seeds, "
            "coloured only when the model's change is beyond the noise.</p>"
            f"<p class='distviz-settings'>Settings: {html.escape(describe(settings))}</p>"
            f"<p>{html.escape(practical_note(loop.min_effects()[self.metric], self.metric))}"
            "</p>"))
        plot_rows, current, width = [], [], 0
        cost = 1 if dataset.is_classification else 2  # a regression model is two plots
        for name in self.figures.algorithms:
            if current and width + cost > PLOTS_PER_ROW:
                plot_rows.append(row(*current))
                current, width = [], 0
            current.append(self.figures.plots[name])
            width += cost
        if current:
            plot_rows.append(row(*current))
        parts = [header, controls, self.table, *plot_rows]
        if self.figures.roc is not None:
            parts.append(self.figures.roc)
        return file_html(column(*parts), resources=_BokehOnly(mode="inline"),
                         title=f"distviz: {dataset.name}")


def snapshot_html(loop: ModelLoop, features: str | list[str], groups=None, *,
                  ratios=RATIOS, upsampler: str = "random", class_balance: str = "none",
                  progress=None) -> str:
    """The standalone HTML text of a snapshot of one group's ratios.

    Parameters
    ----------
    loop : ModelLoop
        Its dataset and every setting (algorithms, repeats, budgets, cache) are used as they
        are, so a state the loop already computed is not fitted again.
    features : str or list of str
        Feature(s) offered in the snapshot.
    groups : str, dict or None
        The group shifted per feature (default: each feature's default group).
    ratios : sequence of float
        The slider positions (all precomputed and embedded); 0 is always among them, and the
        file opens there.
    progress : callable, optional
        ``progress(done, total)`` after each state.
    """
    dataset = loop.dataset
    features = [features] if isinstance(features, str) else list(features)
    if isinstance(groups, str):
        groups = {features[0]: groups}
    groups = groups or {}
    ratios = sorted(set(float(r) for r in ratios) | {0.0})
    snapshot = _Snapshot(loop)
    snapshot.fill({f"{f}|{r}": ShiftSpec(feature, groups.get(feature)
                                         or dataset.default_group(feature), ratio, upsampler,
                                         class_balance)
                   for f, feature in enumerate(features) for r, ratio in enumerate(ratios)},
                  progress)
    baseline = ratios.index(0.0)
    slider = Slider(start=0, end=len(ratios) - 1, value=baseline, step=1, show_value=False,
                    title=None, width=420)
    position = Div(text=_position_text(ratios[baseline]), width=260)
    choice = Select(title="Feature", value=features[0], options=features, width=220,
                    visible=len(features) > 1)
    # The handle moves over indices; its label says the ratio (as the dashboard's slider).
    switch = snapshot.switch("""
const key = `${choice.options.indexOf(choice.value)}|${slider.value}`;
position.text = positions[slider.value];
""", slider=slider, choice=choice, position=position,
                             positions=[_position_text(r) for r in ratios])
    slider.js_on_change("value", switch)
    choice.js_on_change("value", switch)
    how = ("Move the slider: negative ratios down-sample the group in the training set, "
           "positive ones up-sample it; 0 is the baseline.")
    return snapshot.html(f"0|{baseline}", how, row(choice, column(position, slider)))


def _position_text(ratio: float) -> str:
    return (f"<b>Shift ratio {ratio:+g}</b>" + (" (baseline)" if ratio == 0 else
                                                " (fewer rows)" if ratio < 0 else
                                                " (more rows)"))


def mix_choices(loop: ModelLoop, in_force: ShiftSpec, *, keep: str | None = None
                ) -> tuple[dict[str, ShiftSpec], str, list[str]]:
    """The mixes a snapshot of ``in_force``'s feature offers, by name: every preset that
    applies (original first: the baseline; with ``in_force``'s up-sampler and class balance,
    and ``keep``, by default ``in_force``'s), then ``in_force`` when it is none of them; the
    name the file opens at (the mix in force); and a note per preset left out (e.g. past the
    loop's max_ratio)."""
    dataset, feature, keep = loop.dataset, in_force.feature, keep or in_force.keep
    choices, notes = {}, []
    for name in PRESETS:
        if name == "balanced-classes" and not dataset.is_classification:
            continue
        try:
            spec = mix_spec(dataset, feature, name, keep=keep,
                            upsampler=in_force.upsampler, class_balance=in_force.class_balance)
            validate_spec(dataset, spec, max_ratio=loop.max_ratio)
        except ShiftError as exc:
            notes.append(f"{name} is left out: {exc}")
            continue
        choices[name] = spec
    opening = next((n for n, s in choices.items() if s == in_force), None)
    asked = in_force.mix_name or "shares as given"
    if opening is None:
        opening = asked if asked not in choices else f"{asked} (as exported)"
        choices[opening] = in_force
    elif asked != opening:  # e.g. a reference table whose shares are the original ones
        choices = {(f"{n} = {asked}" if n == opening else n): s for n, s in choices.items()}
        opening = f"{opening} = {asked}"
    return choices, opening, notes


def mix_line(name: str, run: RunResult) -> str:
    """A mix state's line (HTML): its name, each group's share asked and its training rows
    before and after, e.g. ``female 0.500 (353 → 492 rows)``."""
    spec, shift = run.spec, run.shift
    asked = spec.shares() or {g: n / max(shift.train_rows_before, 1)
                              for g, n in shift.groups_before.items()}
    groups = list(shift.groups_before)
    listed = [f"{html.escape(g)} {asked.get(g, 0.0):.3f} ({shift.groups_before.get(g, 0):,} → "
              f"{shift.groups_after.get(g, 0):,} rows)" for g in groups[:MIX_GROUPS_LISTED]]
    more = (f", and {len(groups) - MIX_GROUPS_LISTED} more groups"
            if len(groups) > MIX_GROUPS_LISTED else "")
    within = "; classes balanced within every group" if spec.group_classes == "balanced" else ""
    baseline = " (the baseline)" if run.at_baseline else ""
    return (f"<b>Mix of {html.escape(str(spec.feature))}: {html.escape(name)}</b>{baseline}, "
            f"shares: {', '.join(listed)}{more}{within}; {shift.train_rows_before:,} → "
            f"{shift.train_rows_after:,} training rows.")


def mix_snapshot_html(loop: ModelLoop, in_force: ShiftSpec, *, keep: str | None = None,
                      progress=None) -> str:
    """The standalone HTML text of a snapshot of the mixes of ``in_force``'s feature
    (:func:`mix_choices`, with ``keep``): a choice between them, each with its shares, opened
    at ``in_force``; ``progress(done, total)`` after each state."""
    choices, opening, notes = mix_choices(loop, in_force, keep=keep)
    keys = {name: f"mix|{k}" for k, name in enumerate(choices)}
    snapshot = _Snapshot(loop)
    snapshot.fill({keys[name]: spec for name, spec in choices.items()}, progress)
    lines = {keys[name]: mix_line(name, snapshot.runs[keys[name]]) for name in choices}
    position = Div(text=lines[keys[opening]], width=900)
    for key, frame in snapshot.frames.items():
        frame["position"] = {"text": lines[key]}
    choice = Select(title=f"Mix of {in_force.feature}", value=keys[opening],
                    options=[(keys[name], name) for name in choices], width=320)
    choice.js_on_change("value", snapshot.switch("const key = choice.value;", {"position": position},
                                                 choice=choice))
    keeps = ("the training set keeps its size" if (keep or in_force.keep) == "total" else
             "the group with the largest share keeps its rows")
    adding = "by SMOTE" if in_force.upsampler == "smote" else "by duplicating rows"
    baseline = (": the baseline" if in_force.class_balance == "none" else
                f", classes balanced ({html.escape(in_force.class_balance)})")
    left_out = "".join(f" {html.escape(n)}" for n in notes)
    how = (f"Choose a mix: each sets the share of every group of "
           f"<b>{html.escape(str(in_force.feature))}</b> in the training set ({keeps}; a group "
           f"that grows is up-sampled {adding}, one that shrinks "
           f"down-sampled without replacement); original keeps every group's share{baseline}. "
           f"The file opens at <b>{html.escape(opening)}</b>, the mix exported (from "
           f"the page: the one in force).{left_out}")
    return snapshot.html(keys[opening], how, column(choice, position))


def export_html(path: str | Path, loop: ModelLoop, features=None, *,
                mix: ShiftSpec | None = None, **kwargs) -> Path:
    """Write a snapshot to ``path``: of ``features``' ratios, or of the mixes around ``mix``
    (:func:`mix_snapshot_html`); returns the path."""
    path = check_output(str(path), (".html", ".htm"))
    text = (mix_snapshot_html(loop, mix, **kwargs) if mix is not None
            else snapshot_html(loop, features, **kwargs))
    path.write_text(text, encoding="utf-8")
    return path
