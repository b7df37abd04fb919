"""The data picker: which dataset is open (bundled, a file in data/, or an upload), its target
and task. Loads run as session jobs; a failure says why and keeps the current dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import panel as pn
import param

from ..data import Dataset, TargetSuggestion, catalog, read_table, suggest_target
from ..errors import DistvizError
from ..importance import rank_features
from ..loop.policy import SAMPLE_ROWS
from .session import Session
from .style import escape
from .upload import save_upload

# A larger table is explored on a stratified sample of this many rows (the notes say so): the
# settings policy's, as in distviz run.
INTERACTIVE_ROWS = SAMPLE_ROWS


class DataPicker(pn.viewable.Viewer):
    """Choose and load a dataset; ``dataset`` is the one loaded (set on the document loop)."""

    dataset_name = param.Selector(default="titanic", objects=["titanic"], label="Dataset",
                                  doc="A bundled dataset, a file in data/, or an upload.")
    target = param.Selector(default=None, objects=[], label="Target",
                            doc="The column to predict.")
    task = param.Selector(default="auto", objects=["auto", "classification", "regression"],
                          label="Task", doc="Detected from the target unless set here.")
    dataset = param.ClassSelector(class_=Dataset, default=None, allow_None=True,
                                  precedence=-1, doc="The dataset loaded.")
    loading = param.String(default=None, allow_None=True, precedence=-1, doc="""
        The name of the dataset being loaded, else None.""")

    def __init__(self, *, session: Session, folder: Path, notify: Callable[..., None],
                 **params):
        self._sources: dict[str, tuple[object, str | None]] = {}  # name -> (source, target)
        self.param.dataset_name.objects = list(catalog())
        super().__init__(**params)
        self._session, self._folder, self._notify = session, folder, notify
        self._asked: tuple = (None, None, None)  # (name, target, task) loaded or loading
        self._loaded: str | None = None
        self.upload = pn.widgets.FileInput(accept=".csv,.parquet,.pq,.gz", multiple=False,
                                           css_classes=["data-upload"],
                                           sizing_mode="stretch_width")
        # Also on filename: an empty file leaves `value` None, so only its name changes.
        self.upload.param.watch(self._handle_upload, ["value", "filename"])
        wide = {"sizing_mode": "stretch_width"}
        # An upload waits here for its target to be confirmed: nothing trains before.
        self._pending_path: Path | None = None
        self._pending_prompt = pn.pane.Markdown("", margin=(0, 10), **wide)
        self._pending_target = pn.widgets.Select(label="Column to predict", **wide)
        self._pending_button = pn.widgets.Button(label="Train on this target",
                                                 color="primary", **wide)
        self._pending_button.on_click(self._confirm_upload)
        self.pending = pn.Column(self._pending_prompt, self._pending_target,
                                 self._pending_button, visible=False, margin=0, **wide)
        self._layout = pn.Column(
            pn.widgets.Select.from_param(self.param.dataset_name, **wide),
            pn.pane.Markdown("or upload a CSV / Parquet file:", margin=(0, 10)), self.upload,
            self.pending,
            pn.widgets.Select.from_param(self.param.target, **wide),
            pn.widgets.RadioButtonGroup.from_param(self.param.task, **wide),
            sizing_mode="stretch_width", margin=0)

    def __panel__(self):
        return self._layout

    def add_source(self, name: str, source, target: str | None = None) -> None:
        """Offer ``source`` (a path or a DataFrame) under ``name`` in the dataset list
        (``target``: its default target)."""
        self._sources[name] = (source, target)
        objects = list(self.param.dataset_name.objects)
        if name not in objects:
            self.param.dataset_name.objects = objects + [name]

    def read(self, name: str, target: str | None = None, task: str = "auto", *,
             rank: bool = True) -> Dataset:
        """Load ``name`` (any thread) and, with ``rank``, its Gini ranking (the default
        feature is the top-ranked one)."""
        source, default_target = self._sources.get(name, (name, None))
        dataset = Dataset(source=source, target=target or default_target, task=task,
                          max_rows=INTERACTIVE_ROWS)
        if rank:
            rank_features(dataset, method="gini")
        return dataset

    def show(self, dataset: Dataset, name: str | None = None, task: str = "auto") -> None:
        """Make ``dataset`` the loaded one; the widgets show it (nothing new to load)."""
        name = name or dataset.name
        if name not in self.param.dataset_name.objects:
            self.add_source(name, dataset.source, dataset.target_name)
        self._loaded = name
        self._asked = (name, dataset.target_name, task)
        self.param.target.objects = list(dataset.frame.columns)
        self.param.update(dataset_name=name, target=dataset.target_name, task=task)
        if dataset is not self.dataset:  # param would announce the same object again
            self.dataset = dataset
        self.loading = None  # after the switch: watchers see the new dataset in place

    def load(self, name: str, *, target: str | None = None, task: str = "auto",
             message: str | None = None) -> None:
        """Load ``name`` in a session job; on failure say why and keep the current dataset. A
        newer load drops this one's answer (the runner's lane)."""
        current = (self._loaded, self._asked[2])
        self._asked = (name, target, task)
        self.loading = name

        def done(dataset):
            self.show(dataset, name, task)
            if message:
                self._notify(message, "info")

        def failed(problem):
            self._notify(problem)
            self.show(self.dataset, current[0], current[1])
        self._session.job(lambda: self.read(name, target, task), done=done, failed=failed,
                          name="load", lane=f"{self.name}:load")

    @param.depends("dataset_name", watch=True)
    def _handle_dataset(self):
        if self.dataset_name != self._asked[0]:
            self.load(self.dataset_name)

    @param.depends("target", "task", watch=True)
    def _handle_target(self):
        asked = (self.dataset_name, self.target, self.task)
        if self.target is not None and asked != self._asked:
            self.load(self.dataset_name, target=self.target, task=self.task)

    def _handle_upload(self, *events) -> None:
        filename = self.upload.filename
        if filename is None:
            return
        try:
            path = save_upload(filename, self.upload.value, self._folder)
        except DistvizError as exc:
            self._notify(str(exc))
            return

        def read():  # off the document loop: a 50 MB file takes seconds to parse
            frame = read_table(path)[0]
            return frame, suggest_target(frame)
        # The newest upload's lane: an older one's answer is dropped.
        self._session.job(read, done=lambda answer: self._ask_target(path, filename, *answer),
                          failed=self._notify, name="read-upload", lane=f"{self.name}:upload")

    def _ask_target(self, path: Path, filename: str, frame,
                    suggested: TargetSuggestion) -> None:
        """Ask before training: a wrong guess (e.g. a 41-class country column) costs minutes;
        the suggestion says why it was made, so a user can judge it."""
        self._pending_path = path
        self._pending_prompt.object = (
            f"**{escape(filename)}**: {len(frame)} rows, {frame.shape[1]} columns. Which "
            f"column should the models predict? Suggested: *{escape(suggested.column)}* — "
            f"{escape(suggested.reason)}.")
        self._pending_target.param.update(options=[str(c) for c in frame.columns],
                                          value=suggested.column)
        self.pending.visible = True

    def _confirm_upload(self, event=None) -> None:
        """The upload's target is chosen: load it (the current dataset stays until then)."""
        path, target = self._pending_path, self._pending_target.value
        if path is None or target is None:
            return
        self._pending_path = None
        self.pending.visible = False
        self.add_source(path.name, str(path), target)
        self.load(path.name, target=target, message=f"Loaded {path.name}; predicting "
                                                    f"{target} (change it under Target).")
