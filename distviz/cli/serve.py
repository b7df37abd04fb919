"""``distviz serve``: the dashboard on this machine (127.0.0.1 unless told otherwise)."""

from __future__ import annotations

from .common import add_data


def add_parser(sub):
    p = sub.add_parser("serve", help="serve the dashboard")
    add_data(p, required=False)
    p.add_argument("--port", type=int, default=5006)
    p.add_argument("--address", default="127.0.0.1",
                   help="interface to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--allow-websocket-origin", action="append", default=None,
                   help="host:port a browser may connect from when exposed")
    p.add_argument("--show", action="store_true", help="open a browser tab")
    p.add_argument("--scheduler", help="fit on a dask cluster: 'local' for a LocalCluster, or "
                                       "tcp://HOST:PORT (same numbers as local fits)")


def run(args) -> int:
    from ..data import Dataset
    from ..views.serve import serve
    if args.data:  # fail fast, with one line, on a bad file
        Dataset(source=args.data, target=args.target, task=args.task)
    if args.scheduler:  # and on a cluster that is not there (connected once, for every session)
        from ..views.serve import shared_executor
        shared_executor().connect(args.scheduler)
    origins = args.allow_websocket_origin or [f"{args.address}:{args.port}",
                                              f"localhost:{args.port}"]
    print(f"distviz: serving on http://{args.address}:{args.port}/ (Ctrl+C stops)")
    serve(data=args.data, target=args.target, task=args.task, port=args.port,
          address=args.address, websocket_origin=origins, show=args.show,
          scheduler=args.scheduler)
    return 0
