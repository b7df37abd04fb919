"""``distviz datasets``: the bundled datasets and those in data/."""

from __future__ import annotations

from .common import print_json


def add_parser(sub):
    p = sub.add_parser("datasets", help="list the bundled datasets and those in data/")
    p.add_argument("--json", action="store_true")


def run(args) -> int:
    from ..data import list_datasets
    table = list_datasets()
    if args.json:
        print_json(table.to_dict("records"))
    else:
        print(table.to_string(index=False))
    return 0
