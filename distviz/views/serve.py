"""Serving the dashboard: ``panel serve apps/dashboard.py`` and ``distviz serve``.

The server's own settings (arguments, then DISTVIZ_DATA / DISTVIZ_TARGET / DISTVIZ_ALGORITHMS /
DISTVIZ_SCHEDULER; DISTVIZ_PLUGINS names modules that register algorithms) come first; a
visitor's URL arguments are checked by :func:`url_settings`.
"""

from __future__ import annotations

import os

import panel as pn

from .. import models
from ..data import catalog
from ..errors import DistvizError
from ..loop import FitExecutor, ResultCache
from .app import Dashboard


def shared_executor() -> FitExecutor:
    """The server process's one fit executor (in Panel's process-wide cache): every session's
    loop fits through it, so the pool, the fits in flight and a user's priority span sessions."""
    return pn.state.as_cached("distviz-fit-executor", FitExecutor)


def shared_cache() -> ResultCache:
    """The server process's result cache: a state one session computed is instant in another."""
    return pn.state.as_cached("distviz-result-cache", ResultCache)


def url_settings(args: dict) -> tuple[dict, list[str]]:
    """Settings a web visitor may pass in the URL (``?data=NAME&target=COL&algorithms=a,b``),
    checked: ``data`` must be a listed dataset (never a path on the server) and unknown
    algorithms are dropped. Returns (settings, problems to show)."""
    def arg(key):
        value = args.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        return value.decode(errors="replace") if isinstance(value, bytes) else value
    settings, problems = {}, []
    data = arg("data")
    if data is not None and data not in catalog():
        problems.append(f"?data={data} is not a listed dataset; showing the default. Put the "
                        "file in data/ or pass it to distviz serve --data.")
    elif data is not None:
        settings["data"] = data
        if arg("target"):
            settings["data_target"] = arg("target")
    if arg("algorithms"):
        names = [a for a in arg("algorithms").split(",") if a]
        known = set(models.available("classification")) | set(models.available("regression"))
        settings["algorithms"] = [a for a in names if a in known] or list(
            models.DEFAULT_ALGORITHMS)
        if set(names) - known:
            problems.append(f"unknown algorithm(s) {', '.join(sorted(set(names) - known))}; "
                            f"choose from {', '.join(sorted(known))}.")
    return settings, problems


def build_app(data: str | None = None, target: str | None = None, *, task: str | None = None,
              served: bool = False, scheduler: str | None = None):
    """The served page (FastListTemplate) when ``served``, else the plain layout (notebooks).
    ``scheduler`` (else DISTVIZ_SCHEDULER): fit on a dask cluster, 'local' or an address.

    ``pn.state.served`` looks at its caller's module, so the app script passes it in.
    """
    models.load_plugins()  # the user's own algorithms ($DISTVIZ_PLUGINS), before any choice
    from_url, problems = url_settings(pn.state.session_args if pn.state.curdoc else {})
    settings = dict(from_url)
    if data or os.environ.get("DISTVIZ_DATA"):
        settings["data"] = data or os.environ["DISTVIZ_DATA"]
        settings["data_target"] = target or os.environ.get("DISTVIZ_TARGET")
    if os.environ.get("DISTVIZ_ALGORITHMS"):
        settings["algorithms"] = os.environ["DISTVIZ_ALGORITHMS"].split(",")
    if task is not None:
        settings["task"] = task
    settings["cluster"] = scheduler or os.environ.get("DISTVIZ_SCHEDULER") or None
    settings.update(executor=shared_executor(), cache=shared_cache())
    try:
        dashboard = Dashboard(**settings)
    except DistvizError as exc:
        if "data" not in from_url or settings.get("data") != from_url["data"]:
            raise  # the server's own --data/--target: serve_from_cli checked them already
        problems.append(f"{exc} Showing the default dataset.")
        dashboard = Dashboard(**{k: v for k, v in settings.items()
                                 if k not in ("data", "data_target")})
    for problem in problems:
        dashboard.notify(problem, "warning")
    return dashboard.template() if served else dashboard


def serve(*, data=None, target=None, task=None, port=5006, address="127.0.0.1",
          websocket_origin=None, show=False, scheduler=None) -> None:
    """``distviz serve``: the dashboard on ``address`` (127.0.0.1 unless told otherwise)."""
    # A plain function, called once per session: Panel shows a functools.partial as an object.
    def app():
        return build_app(data, target, task=task, served=True, scheduler=scheduler)
    pn.serve({"/": app}, port=port, address=address, websocket_origin=websocket_origin,
             show=show, title="distviz")
