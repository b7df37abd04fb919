"""The slider positions either side of the current one, fitted at low priority once the user has
stopped, so the next move is often cached: :class:`Neighbours`. GUI-free: a page, a notebook or a
script asks for it with its loop."""

from __future__ import annotations

import param

from ..errors import DistvizError
from ..runner import Task
from ..shift.spec import RATIOS
from .model_loop import ModelLoop


class Neighbours(param.Parameterized):
    """Follows a loop that runs in the background: after each result, once the user has stopped
    for ``delay`` seconds, the neighbouring positions of :data:`distviz.shift.spec.RATIOS` are
    prefetched (never while a user's run computes); a newer request cancels that."""

    loop = param.ClassSelector(class_=ModelLoop, default=None, allow_None=True, doc="""
        The loop whose neighbouring positions are fitted (through a clone: same settings,
        cache, executor and runner).""")

    delay = param.Number(default=1.0, allow_None=True, bounds=(0, None), doc="""
        Seconds the user must stop before the neighbours are fitted; None: never.""")

    prefetch = param.ClassSelector(class_=Task, default=None, allow_None=True, precedence=-1,
                                   doc="""
        The prefetch of the current position's neighbours (the runner's task), else None.""")

    def __init__(self, **params):
        super().__init__(**params)
        self._lane = f"{self.name}:prefetch"
        self.loop.param.watch(self._handle_request, "request")
        self.loop.param.watch(self._handle_result, "result")

    def positions(self, ratio: float) -> list[float]:
        """The slider positions either side of ``ratio`` the loop may take."""
        index = RATIOS.index(min(RATIOS, key=lambda r: abs(r - ratio)))
        return [RATIOS[i] for i in (index - 1, index + 1)
                if 0 <= i < len(RATIOS) and RATIOS[i] <= self.loop.max_ratio]

    def _handle_request(self, event) -> None:
        self.loop.runner.cancel(self._lane)
        self.prefetch = None

    def _handle_result(self, event) -> None:
        loop, run = self.loop, self.loop.result
        if self.delay is None or not loop.background or not loop.is_current(run):
            return
        try:
            self.prefetch = loop.clone().prefetch(
                [run.spec.at(r) for r in self.positions(run.spec.ratio)], background=True,
                lane=self._lane, delay=self.delay)
        except DistvizError:  # e.g. a position this group cannot take
            self.prefetch = None
