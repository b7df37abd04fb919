"""The ``distviz`` command line (the contract: docs/semantics.md): one module per
subcommand, each with ``add_parser(sub)`` and ``run(args)``.

A user's mistake exits with status 2 and one line on stderr starting ``error:``; never a traceback.
"""

from __future__ import annotations

import sys
from typing import Sequence

from ..errors import DistvizError
from . import advise, cache, datasets, export, rank, run, serve, sweep
from .common import Parser

EXIT_USAGE = 2
COMMANDS = {"datasets": datasets, "rank": rank, "run": run, "sweep": sweep, "export": export,
            "serve": serve, "cache": cache, "advise": advise}


def build_parser() -> Parser:
    parser = Parser(prog="distviz", description="If my training data had more or fewer rows "
                                                "of this kind, how would my models score?")
    sub = parser.add_subparsers(dest="command", parser_class=Parser, metavar="COMMAND")
    for command in COMMANDS.values():
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return EXIT_USAGE
        from ..models import load_plugins
        load_plugins()  # the user's own algorithms ($DISTVIZ_PLUGINS), offered like the rest
        return COMMANDS[args.command].run(args)
    except DistvizError as exc:
        message = " ".join(str(exc).split())  # always exactly one line
        print(f"error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("error: interrupted; results computed so far are cached.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
