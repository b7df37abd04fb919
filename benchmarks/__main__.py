"""``python -m benchmarks`` (``make bench``): run every benchmark, rewrite RESULTS.md."""

from __future__ import annotations

import argparse
import importlib
import sys
import time

from benchmarks._common import write_results

# (section name, module): each module has run(...) -> summary and section(summary) -> markdown.
BENCHMARKS = [("loop", "benchmarks.bench_loop"), ("sweep", "benchmarks.bench_sweep"),
              ("million", "benchmarks.bench_million")]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run the distviz benchmarks.")
    parser.add_argument("--only", nargs="*", help="section names to run (default: all)")
    args = parser.parse_args(argv)
    sections, started = {}, time.perf_counter()
    for name, module_name in BENCHMARKS:
        if args.only and name not in args.only:
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            print(f"skipping {name}: {module_name} not written yet")
            continue
        print(f"== {name} ({module_name})", flush=True)
        sections[name] = module.section(module.run())
        write_results(sections)  # keep what is done even if a later benchmark fails
        print(f"   done at {time.perf_counter() - started:.0f} s", flush=True)
    path = write_results(sections)
    print(f"wrote {path} in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
