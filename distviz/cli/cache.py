"""``distviz cache``: show or clear the on-disk result cache."""

from __future__ import annotations


def add_parser(sub):
    p = sub.add_parser("cache", help="show or clear the on-disk result cache")
    p.add_argument("action", choices=["info", "clear"])
    p.add_argument("--cache-dir")


def run(args) -> int:
    from ..loop import ResultCache, default_cache_dir
    cache = ResultCache(args.cache_dir or default_cache_dir())
    if args.action == "clear":
        print(f"removed {cache.clear()} cached results from {cache.directory}")
    else:
        files = list(cache.directory.glob("*.json"))
        size = sum(p.stat().st_size for p in cache.directory.iterdir() if p.is_file())
        print(f"{cache.directory}: {len(files)} cached results, {size / 2**20:.1f} MiB")
    return 0
