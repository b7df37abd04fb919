"""How good the page's "about N s left" is: a new move's first estimate against the time the
move then took (titanic after its baseline, the dashboard's defaults, moves to ratios not yet
computed). The estimate is the executor's measured fit times spread over the workers
(distviz/loop/estimate.py); it leaves out shifting, preprocessing and the trip to the worker.

    python -m benchmarks.bench_estimate [--runs 3]
"""

from __future__ import annotations

import argparse
import sys
import time

from benchmarks._common import load_average, median, report, table

MOVES = (1.0, -0.5, 2.0)


def run(runs: int = 3, log=print) -> dict:
    from distviz.data import Dataset
    from distviz.loop import ModelLoop, ResultCache
    from distviz.shift import Resampler
    loads, rows = [load_average()], []
    for index in range(runs):
        resampler = Resampler(dataset=Dataset(source="titanic"), feature="sex", group="female")
        loop = ModelLoop(resampler=resampler, background=True, cache=ResultCache())
        loop.wait()
        for ratio in MOVES:
            resampler.ratio = ratio
            first = None
            while loop.running and first is None:
                first = loop.seconds_left()
                if first is None:
                    time.sleep(0.01)
            estimated_at = time.perf_counter()
            loop.wait()
            took = time.perf_counter() - estimated_at
            if first is not None and took > 0:
                rows.append({"run": index + 1, "ratio": ratio, "estimate": first, "took": took,
                             "ratio_est": first / took})
                log(f"  run {index + 1} ratio {ratio:+g}: estimated {first:.2f} s, "
                    f"took {took:.2f} s ({first / took:.2f}x)")
    loads.append(load_average())
    return {"rows": rows, "loads": loads}


def section(s: dict) -> str:
    ratios = [r["ratio_est"] for r in s["rows"]]
    shown = [{"run": r["run"], "ratio": f"{r['ratio']:+g}", "first estimate": f"{r['estimate']:.2f} s",
              "the move took": f"{r['took']:.2f} s", "estimate / took": f"{r['ratio_est']:.2f}x"}
             for r in s["rows"]]
    return f"""## The page's time-left estimate (`bench_estimate.py`, issue 28)

{__doc__.split(chr(10) + chr(10) + "    python")[0].strip()}

{len(ratios)} moves: estimate / time taken median {median(ratios):.2f}x, range
{min(ratios):.2f}-{max(ratios):.2f}x. 1-minute load before/after: {' -> '.join(s['loads'])}.

{table(shown, ["run", "ratio", "first estimate", "the move took", "estimate / took"])}
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    return report("estimate", section(run(args.runs)), args.no_write)


if __name__ == "__main__":
    sys.exit(main())
