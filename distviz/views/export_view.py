"""The export button: the standalone HTML snapshot of what is shown, built in the background with
its progress on the status line, then offered for download."""

from __future__ import annotations

import tempfile
from pathlib import Path

import panel as pn
import param

from ..loop import ModelLoop
from ..shift import Resampler
from ..shift.spec import RATIOS
from .export import mix_snapshot_html, snapshot_html
from .session import Session
from .status_view import StatusView


class ExportView(pn.viewable.Viewer):
    """Builds :func:`~distviz.views.export.snapshot_html` of the resampler's feature and group
    (in mix mode, :func:`~distviz.views.export.mix_snapshot_html` of the mix in force) with the
    loop's settings (so the same seeds and cache keys: no state already shown is fitted
    again)."""

    loop = param.ClassSelector(class_=ModelLoop, default=None, allow_None=True, doc="""
        The model loop: the snapshot uses a clone of it.""")

    resampler = param.ClassSelector(class_=Resampler, default=None, allow_None=True, doc="""
        The shift shown: its feature and group, at the slider's positions; or its mix.""")

    session = param.ClassSelector(class_=Session, default=None, allow_None=True,
                                  precedence=-1, doc="The dashboard's session.")

    status = param.ClassSelector(class_=StatusView, default=None, allow_None=True,
                                 precedence=-1, doc="Where the export's progress is said.")

    def __init__(self, **params):
        super().__init__(**params)
        self._folder = Path(tempfile.mkdtemp(prefix="distviz-export-"))
        self.button = pn.widgets.Button(label="Export standalone HTML", color="primary",
                                        sizing_mode="stretch_width")
        self.button.on_click(lambda event: self.export())
        self.download = pn.widgets.FileDownload(filename="distviz.html", visible=False,
                                                label="Download the snapshot",
                                                sizing_mode="stretch_width")

    def __panel__(self):
        return pn.Column(self.button, self.download, sizing_mode="stretch_width", margin=0)

    def export(self) -> None:
        """Build the snapshot in the background, with progress, then offer it."""
        self.button.disabled = True
        self.download.visible = False
        self.status.track(0, 1, "Exporting a standalone HTML snapshot...")

        def progress(done, total):
            self.session.ui(self.status.track, done, total,
                            f"Exporting: state {done} of {total}")

        def done(text):
            path = self._folder / "distviz.html"
            path.write_text(text, encoding="utf-8")
            self.download.param.update(file=str(path), visible=True)
            self.button.disabled = False
            self.status.finish(f"Exported a {len(text.encode()) / 2**20:.1f} MB HTML snapshot: "
                               "press Download.")

        def failed(message):
            self.button.disabled = False
            self.status.fail(f"export failed: {message}")
        self.session.job(lambda: self.snapshot(progress=progress), done=done, failed=failed,
                         name="export")

    def snapshot(self, progress=None) -> str:
        """The standalone HTML of what is shown, with the loop's settings: the current feature
        and group at the slider's positions (and the current ratio); in mix mode, the mix in
        force beside the baseline and the presets."""
        spec = self.resampler.spec
        if self.resampler.mode == "mix":
            return mix_snapshot_html(self.loop.clone(), spec, keep=self.resampler.keep,
                                     progress=progress)
        ratios = [r for r in RATIOS if r <= self.loop.max_ratio]
        return snapshot_html(self.loop.clone(), spec.feature, spec.group,
                             ratios=sorted(set(ratios) | {spec.ratio}),
                             upsampler=spec.upsampler, class_balance=spec.class_balance,
                             progress=progress)
