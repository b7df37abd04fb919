"""Slider move to all views updated, measured server-side through the ``Dashboard`` object.

Each dataset runs in a fresh child process: build the ``Dashboard`` (it warms the worker pool,
loads, ranks and fits the baseline), attach its layout to a Bokeh ``Document`` (so every update
builds real Bokeh models, as in a served session), then set ``Dashboard.resampler.ratio`` and time until
``Dashboard.wait()`` returns (the final render done). Cold: a slider position never computed
in this process (the baseline is cached, as in a real session); cached: the same positions
again, three times over. "First result" is when the first render showing at least one
algorithm's numbers finished. Medians over the moves.

    python -m benchmarks.bench_slider [--rows 40000] [--moves 5]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._common import Timer, load_average, median, report, table, verdict

TARGETS = {  # dataset -> (cold: every seed, first result, cached) in seconds; None: no target
    "titanic": (None, None, 0.1),  # issue 13: a revisited position in 0.1 s
    "synth_40000": (None, 1.0, 0.1),  # issue 13: the first algorithm's numbers in 1 s
}
# Slider positions visited (all on the dashboard's slider), far apart so none is a neighbour
# that a background prefetch could have computed first.
POSITIONS = [-0.5, 1.0, -0.8, 2.0, -0.2, 0.5, 3.0]
CACHED_PASSES = 3  # cached moves: passes over the positions
INTERACTIVE_BUDGET = 10_000  # training rows per fit, for the engine-only comparison


WHY = """*Why.* A cached move computes nothing: its time is building the views' new data (the
leaderboard, every algorithm's matrix and the ROC overlay as plain Bokeh sources, see
`distviz/views/model_figures.py`) and Bokeh/Panel turning the changes into messages. A cold
move's "every seed" figure is the 4 default algorithms x 5 seeds (an SVM and an MLP among
them) on the two cores the server shares with its worker pool; its first numbers show with the
first partial render (`ResultView.PARTIAL_RENDER_FIRST`, 0.15 s after the run starts, then
every `PARTIAL_RENDER_EVERY`), once the cheapest algorithm's first seed pair is fitted (engine table:
first fit done).
"""


def child(source: str, target: str | None, moves: int) -> dict:
    """The measured part, in a fresh process."""
    with Timer() as t:
        from bokeh.document import Document

        from distviz.views.app import Dashboard
    out = {"import": t.seconds}
    with Timer() as t:
        dash = Dashboard(data=source, data_target=target)
        dash.wait()
    out["open"] = t.seconds
    doc = Document()
    with Timer() as t:
        doc.add_root(dash.__panel__().get_root(doc))
    out["first_render"] = t.seconds
    renders: list[float] = []

    def rendered(event):  # times the first render that shows numbers
        if event.new is not None and any(a.metrics for a in event.new.algorithms):
            renders.append(time.perf_counter())
    dash.models.param.watch(rendered, "run")
    positions = POSITIONS[:moves]
    cold, cached, first, computed = [], [], [], []
    # Cached moves are a few tens of ms: three passes over the positions steady their median.
    for label, sink, passes in (("cold", cold, 1), ("cached", cached, CACHED_PASSES)):
        for ratio in positions * passes:
            renders.clear()
            start = time.perf_counter()
            dash.resampler.ratio = ratio
            dash.wait()
            sink.append(time.perf_counter() - start)
            if label == "cold":
                first.append(renders[0] - start if renders else float("nan"))
            result = dash.result
            computed.append((label, ratio, getattr(result, "computed", None),
                             getattr(result, "cached", None)))
    result = dash.result
    out["engine"] = engine_only(dash, positions)
    out.update(cold=cold, cached=cached, first=first, computed=computed, positions=positions,
               feature=dash.resampler.feature, group=dash.resampler.group,
               algorithms=list(dash.loop.algorithms),
               train_rows=len(dash.dataset.X_train), test_rows=len(dash.dataset.X_test),
               rows_used={a.algorithm: a.train_rows_used for a in result.algorithms},
               notes=list(dash.dataset.notes))
    return out


def engine_only(dash, positions) -> dict:
    """The same moves through a bare ModelLoop (fresh cache, warm pool, baseline cached): the
    engine's share of a move; with a 10,000-row training budget too when it would bind."""
    from distviz.loop import ModelLoop, ResultCache
    from distviz.shift import ShiftSpec

    out = {}
    budgets = [None] + ([INTERACTIVE_BUDGET] if len(dash.dataset.X_train) > INTERACTIVE_BUDGET
                        else [])
    for budget in budgets:
        loop = ModelLoop(dataset=dash.dataset, algorithms=list(dash.loop.algorithms),
                         cache=ResultCache(), max_train_rows=budget)
        loop.run(ShiftSpec(dash.resampler.feature, dash.resampler.group, 0.0))
        cold, first, cached = [], [], []
        for ratio in positions:
            stamps = []
            start = time.perf_counter()
            loop.run(ShiftSpec(dash.resampler.feature, dash.resampler.group, ratio),
                     progress=lambda done, total, fit: stamps.append(time.perf_counter())
                     if not fit.from_cache else None)
            cold.append(time.perf_counter() - start)
            first.append(stamps[0] - start if stamps else float("nan"))
        for ratio in positions:
            start = time.perf_counter()
            loop.run(ShiftSpec(dash.resampler.feature, dash.resampler.group, ratio))
            cached.append(time.perf_counter() - start)
        out[str(budget)] = {"cold": cold, "first": first, "cached": cached}
    return out


def run_one(source: str, target: str | None, moves: int, log=print) -> dict:
    command = [sys.executable, "-m", "benchmarks.bench_slider", "--child", source,
               "--moves", str(moves)] + (["--target", target] if target else [])
    load_before = load_average()
    with Timer() as t:
        done = subprocess.run(command, capture_output=True, text=True,
                              cwd=Path(__file__).resolve().parents[1])
    if done.returncode != 0:
        raise RuntimeError(f"bench_slider child failed:\n{done.stderr[-3000:]}")
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out.update(loads=[load_before, load_average()], wall=t.seconds)
    log(f"  {Path(source).stem}: open {out['open']:.1f} s, cold {median(out['cold']):.2f} s "
        f"(first {median(out['first']):.2f} s), cached {median(out['cached']):.3f} s")
    return out


def run(n_rows: int = 40_000, moves: int = 5, log=print) -> dict:
    from distviz import synth
    results = {"titanic": run_one("titanic", None, moves, log)}
    with tempfile.TemporaryDirectory(prefix="distviz-bench-") as folder:
        path = Path(folder) / f"synth_{n_rows}.csv"
        synth.write_csv(path, n_rows)
        results[f"synth_{n_rows}"] = run_one(str(path), synth.TARGET, moves, log)
    return {"datasets": results, "n_rows": n_rows, "moves": moves}


def section(s: dict) -> str:
    rows, details = [], []
    for name, r in s["datasets"].items():
        cold_t, first_t, cached_t = TARGETS.get(name, (None, None, None))
        label = "titanic" if name == "titanic" else f"generated {s['n_rows']:,} rows"
        for figure, values, target in (("cold move, every seed shown (final verdict)",
                                        r["cold"], cold_t),
                                       ("cold move, first algorithm shown", r["first"], first_t),
                                       ("cached move, all views updated", r["cached"],
                                        cached_t)):
            value = median(values)
            rows.append({"dataset": label, "figure": figure,
                         "median": f"{value:.3f} s", "runs": len(values),
                         "all": ", ".join(f"{v:.2f}" for v in values),
                         "target": f"<= {target:g} s" if target else "-",
                         "verdict": verdict(value, target) if target else "-"})
        used = ", ".join(f"{k} {v:,}" for k, v in r["rows_used"].items())
        details.append(
            f"- {label}: {r['train_rows']:,} train / {r['test_rows']:,} test rows; feature "
            f"`{r['feature']}`, group `{r['group']}`; rows fitted per algorithm: {used}. Import "
            f"of the dashboard module {r['import']:.1f} s; opening (load, rank, baseline fits) "
            f"{r['open']:.1f} s; first full render into a document {r['first_render']:.1f} s; "
            f"1-minute load average before/after: {' -> '.join(r['loads'])}."
            + (f" Notes: {'; '.join(r['notes'])}" if r["notes"] else ""))
    engine = []
    for name, r in s["datasets"].items():
        label = "titanic" if name == "titanic" else f"generated {s['n_rows']:,} rows"
        for budget, e in r["engine"].items():
            engine.append({"dataset": label,
                           "training rows per fit": "all" if budget == "None"
                           else f"<= {int(budget):,} (budget)",
                           "cold move": f"{median(e['cold']):.3f} s",
                           "first fit done": f"{median(e['first']):.3f} s",
                           "cached move": f"{median(e['cached']) * 1000:.1f} ms"})
    misses = [f"{r['dataset']}: {r['figure']}" for r in rows if r["verdict"] == "**missed**"]
    why = "\n" + WHY
    if misses:
        why = "\n**Missed:** " + "; ".join(misses) + ".\n\n" + WHY
    return f"""## Slider move through the `Dashboard` (`bench_slider.py`)

Measured server-side on the `Dashboard` object in a fresh process per dataset, with its layout
attached to a Bokeh `Document` so every update builds the Bokeh models a browser would receive
(the websocket transfer and browser drawing are not included). A move sets `Dashboard.ratio`
and ends when `Dashboard.wait()` returns, i.e. the last view is updated with every seed (the
dashboard's default: 5 seeds, progressive). Cold: a position
not computed before in that process (baseline cached, worker pool warm, as after opening);
cached: the same positions again, three times over. Positions: {', '.join(f'{p:+g}' for p in
s['datasets']['titanic']['positions'])}. Algorithms: the 4 defaults.

{table(rows, ["dataset", "figure", "median", "runs", "all", "target", "verdict"])}
{why}
{chr(10).join(details)}

The engine's share: the same moves through a bare `ModelLoop` (fresh cache, warm pool,
baseline cached), medians; the rest of a dashboard move is building the views.

{table(engine, ["dataset", "training rows per fit", "cold move", "first fit done",
                "cached move"])}
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=40_000)
    parser.add_argument("--moves", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.target, args.moves)))
        return 0
    return report("slider", section(run(args.rows, args.moves)), args.no_write)


if __name__ == "__main__":
    sys.exit(main())
