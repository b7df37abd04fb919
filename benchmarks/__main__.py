"""``python -m benchmarks`` (``make bench``): run every benchmark, rewrite RESULTS.md."""

from __future__ import annotations

import argparse
import importlib
import sys
import time

from benchmarks._common import write_results

# (section name, module): each module has run(...) -> summary and section(summary) -> markdown.
BENCHMARKS = [("loop", "benchmarks.bench_loop"), ("slider", "benchmarks.bench_slider"),
              ("browser", "benchmarks.bench_browser"),
              ("sweep", "benchmarks.bench_sweep"), ("cluster", "benchmarks.bench_cluster"),
              ("million", "benchmarks.bench_million"),
              ("snapshot", "benchmarks.bench_snapshot"), ("changes", "benchmarks.bench_changes"),
              ("calibration", "benchmarks.bench_calibration"),
              ("advise", "benchmarks.bench_advise"),
              ("estimate", "benchmarks.bench_estimate")]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run the distviz benchmarks.")
    parser.add_argument("--only", nargs="*", help="section names to run (default: all)")
    args = parser.parse_args(argv)
    sections, started, failed = {}, time.perf_counter(), []
    for name, module_name in BENCHMARKS:
        if args.only and name not in args.only:
            continue
        module = importlib.import_module(module_name)
        print(f"== {name} ({module_name})", flush=True)
        try:
            sections[name] = module.section(module.run())
        except Exception as exc:  # record it and go on: one broken benchmark hides no others
            failed.append(name)
            print(f"   {name} failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            continue
        write_results(sections)  # keep what is done even if a later benchmark fails
        print(f"   done at {time.perf_counter() - started:.0f} s", flush=True)
    path = write_results(sections)
    print(f"wrote {path} in {time.perf_counter() - started:.0f} s"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
