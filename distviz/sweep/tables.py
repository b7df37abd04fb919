"""Sweep tables read back: per-cell summaries with intervals (distviz.stats, stored per cell
by the sweep), the winner per cell when it is beyond the noise, and a plain text view with
Benjamini–Hochberg-controlled counts."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..sentences import chance_sentence, practical_calls_sentence
from ..stats import benjamini_hochberg, flagged_by_chance, verdict
from ..tasks import LOWER_IS_BETTER


def _first(cell: pd.DataFrame, column: str) -> float:
    """A per-cell column's value (the same on every row of the cell); NaN when absent."""
    if column not in cell.columns:
        return float("nan")
    values = cell[column].dropna()
    return float(values.iloc[0]) if len(values) else float("nan")


def _word(cell: pd.DataFrame, column: str) -> str | None:
    """A per-cell text column's value (e.g. ``practical_<metric>``); None when absent."""
    if column not in cell.columns:
        return None
    values = cell[column].dropna()
    return str(values.iloc[0]) if len(values) else None


def _cell_keys(table: pd.DataFrame) -> list[str]:
    """What names a cell: feature, group, ratio, and the mix when the sweep had mixes."""
    return ["feature", "group", "ratio"] + (["mix"] if "mix" in table.columns else [])


def _with_mix(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with ``mix`` "" on the ratios' rows (a CSV read back holds NaN there)."""
    return table.assign(mix=table["mix"].fillna("")) if "mix" in table.columns else table


def _shifted(frame: pd.DataFrame) -> np.ndarray:
    """The cells that shift the training set: a non-zero ratio, or a mix."""
    shifted = (frame["ratio"] != 0).to_numpy().copy()
    if "mix" in frame.columns:
        shifted |= (frame["mix"].fillna("") != "").to_numpy()
    return shifted


def summarize(table: pd.DataFrame, metric: str | None = None, *,
              alpha: float = 0.05) -> pd.DataFrame:
    """Mean over repeats of ``metric`` and of its change against the baseline of the same seed,
    each with its 95 % interval, one row per (feature, group, ratio, algorithm), in table order.

    The intervals are the sweep's own per-cell columns (``value_low_<metric>``,
    ``delta_low_<metric>``, ...: :mod:`distviz.stats`, counting the seed, the resampling draw
    and the test sample), never a t-interval over a handful of seeds. ``significant`` is True
    when the change's interval excludes 0, False when it includes it, and None without an
    interval (one repeat, or a table without those columns). ``significant_bh`` is the
    Benjamini–Hochberg decision at false-discovery rate ``alpha`` over every shifted cell
    (ratio != 0) of the summary; ``verdict`` is better / worse / within noise (None without an
    interval). ``lead_low`` / ``lead_high`` / ``lead_p`` are the cell leader's lead over this
    algorithm (NaN for the leader), which :func:`winners` reads. ``practical`` (better / worse /
    negligible / equivalent / inconclusive, None without an interval), ``detectable`` and
    ``min_effect`` are the change's practical call against the smallest change that matters
    (per cell, like ``verdict``; :mod:`distviz.stats.practical`).
    """
    metric = metric or headline_metric(table)
    rows = []
    table = _with_mix(table)
    keys = _cell_keys(table) + ["algorithm"]
    for key, cell in table.groupby(keys, sort=False):
        values = cell[metric].dropna()
        low, high = _first(cell, f"delta_low_{metric}"), _first(cell, f"delta_high_{metric}")
        known = bool(np.isfinite(low) and np.isfinite(high))
        significant = bool(low > 0 or high < 0) if known else None
        delta = float(cell[f"delta_{metric}"].mean())
        rows.append({**dict(zip(keys, key)), "metric": metric,
                     "value": float(values.mean()) if len(values) else float("nan"),
                     "value_low": _first(cell, f"value_low_{metric}"),
                     "value_high": _first(cell, f"value_high_{metric}"),
                     "delta": delta, "ci_low": low, "ci_high": high,
                     "p_value": _first(cell, f"delta_p_{metric}"),
                     "significant": significant,
                     "verdict": None if significant is None
                     else verdict(metric, delta, significant),
                     "lead_low": _first(cell, f"lead_low_{metric}"),
                     "lead_high": _first(cell, f"lead_high_{metric}"),
                     "lead_p": _first(cell, f"lead_p_{metric}"),
                     "practical": _word(cell, f"practical_{metric}"),
                     "detectable": _first(cell, f"detectable_{metric}"),
                     "min_effect": _first(cell, f"min_effect_{metric}"),
                     "repeats": int(len(values)), "errors": int(cell["error"].notna().sum())})
    summary = pd.DataFrame(rows)
    if summary.empty:
        return summary
    shifted = _shifted(summary)
    p_values = np.where(shifted, summary["p_value"].to_numpy(dtype=float), np.nan)
    decided = benjamini_hochberg(p_values, alpha)
    summary["significant_bh"] = [bool(d) if np.isfinite(p) else None
                                 for d, p in zip(decided, p_values)]
    return summary


def headline_metric(table: pd.DataFrame) -> str:
    """The headline metric of a sweep table (F1 when it has one, else R²)."""
    return "f1" if "f1" in table.columns else "r2"


def winners(summary: pd.DataFrame) -> pd.DataFrame:
    """The best algorithm at each (feature, group, ratio) of a :func:`summarize` table, named
    only when its lead is beyond the noise.

    ``leader`` is the algorithm with the best mean (ties: the first listed); ``winner`` is the
    leader when its lead over every other algorithm is beyond the noise (each paired interval
    excludes 0, an intersection-union test: ``p_value`` is the largest of those p-values), else
    None. ``best`` is the text a table shows: the winner's name, ``"within noise: a, b"`` (the
    leader and the algorithms it does not separate from), or ``"no interval: a"`` with one
    repeat. ``runner_up`` and ``margin`` are as before (the second-best mean and the gap);
    ``margin_low`` / ``margin_high`` its interval.
    """
    rows = []
    keys = _cell_keys(summary)
    for key, cell in summary.groupby(keys, sort=False):
        metric = cell["metric"].iloc[0]
        sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
        scored = cell.dropna(subset=["value"])
        base = {**dict(zip(keys, key)), "metric": metric}
        if scored.empty:
            rows.append({**base, "best": None, "value": np.nan, "runner_up": None,
                         "margin": np.nan, "leader": None, "winner": None,
                         "beyond_noise": None, "p_value": np.nan, "margin_low": np.nan,
                         "margin_high": np.nan, "within_noise": ""})
            continue
        order = np.argsort(-sign * scored["value"].to_numpy(), kind="stable")
        best = scored.iloc[order[0]]
        second = scored.iloc[order[1]] if len(order) > 1 else None
        others = scored.iloc[order[1:]]
        leader = best["algorithm"]
        lows, highs = others["lead_low"].to_numpy(float), others["lead_high"].to_numpy(float)
        known = np.isfinite(lows) & np.isfinite(highs)
        if len(others) and not known.all():
            beyond, text, tied = None, f"no interval: {leader}", []
        else:
            tied = [a for a, lo in zip(others["algorithm"], lows) if not lo > 0]
            beyond = not tied
            text = leader if beyond else "within noise: " + ", ".join([leader, *tied])
        rows.append({**base, "best": text, "value": best["value"],
                     "runner_up": None if second is None else second["algorithm"],
                     "margin": np.nan if second is None
                     else abs(best["value"] - second["value"]),
                     "leader": leader, "winner": leader if beyond else None,
                     "beyond_noise": beyond,
                     "p_value": float(others["lead_p"].max()) if len(others) and known.all()
                     else (0.0 if not len(others) else np.nan),
                     "margin_low": np.nan if second is None else float(second["lead_low"]),
                     "margin_high": np.nan if second is None else float(second["lead_high"]),
                     "within_noise": ", ".join(tied)})
    return pd.DataFrame(rows)


def paired_lead(table: pd.DataFrame, feature: str, ratio: float, leader: str, other: str,
                metric: str, *, mix: str = "") -> tuple[float, float, float]:
    """Mean and 95 % interval of how far ``leader`` is ahead of ``other`` in one cell
    (positive = ahead, for lower-is-better metrics too), paired by seed on the same test rows
    (:mod:`distviz.stats`). The interval is known when one of the two is the cell's leader on
    ``metric`` (the sweep stores each algorithm's gap to it); NaN otherwise or with one seed.
    ``mix`` names a mix's cell (its ratio is 0, as the baseline's)."""
    cell = table[(table["feature"] == feature) & (table["ratio"] == ratio)]
    if "mix" in table.columns:
        cell = cell[cell["mix"].fillna("") == mix]
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    ahead = (cell[cell["algorithm"] == leader].set_index("seed")[metric]
             - cell[cell["algorithm"] == other].set_index("seed")[metric]).dropna()
    mean = float(sign * ahead.mean()) if len(ahead) else float("nan")
    low = high = float("nan")
    for name, flip in ((other, 1.0), (leader, -1.0)):
        rows = cell[cell["algorithm"] == name]
        lo, hi = _first(rows, f"lead_low_{metric}"), _first(rows, f"lead_high_{metric}")
        if np.isfinite(lo) and np.isfinite(hi):
            low, high = sorted((flip * lo, flip * hi))
            break
    return mean, low, high


def format_summary(table: pd.DataFrame, stats=None) -> str:
    """A plain-text view of a sweep: the headline metric per cell and algorithm, with counts
    that control for the many cells judged at once (Benjamini–Hochberg) and how many cells a
    per-cell 5 % test would flag by chance."""
    metric = headline_metric(table)
    table = _with_mix(table)
    summary = summarize(table, metric)
    algorithms = list(dict.fromkeys(summary["algorithm"]))
    repeats = int(table["repeat"].max()) + 1
    name = table["dataset"].iloc[0]
    intervals = summary["significant"].notna().any()
    mixes = table["mix"][table["mix"] != ""].unique() if "mix" in table.columns else []
    ratios = table["ratio"][table["mix"] == ""] if len(mixes) else table["ratio"]
    grid = " + ".join(([f"{ratios.nunique()} ratios"] if len(ratios) else [])
                      + ([f"{len(mixes)} mixes"] if len(mixes) else []))
    lines = [f"{name}: {len(table)} rows = {table['feature'].nunique()} features x "
             f"{grid} x {len(algorithms)} algorithms x "
             f"{repeats} repeats",
             f"{metric.upper()} (mean over repeats) and change vs baseline"
             + ("; * = beyond the noise after Benjamini-Hochberg (false-discovery rate 5 %), "
                "intervals count the seed, the resampling draw and the test sample"
                if intervals else "; no intervals (one repeat)"), ""]
    width = max(14, *(len(a) + 2 for a in algorithms))
    header = f"{'feature':<16}{'group':<18}{'ratio':>7}  " + "".join(
        f"{a:>{width}}" for a in algorithms)
    lines += [header, "-" * len(header)]
    for key, cell in summary.groupby(_cell_keys(summary), sort=False):
        feature, group, ratio = key[:3]
        texts = []
        for algorithm in algorithms:
            row = cell[cell["algorithm"] == algorithm].iloc[0]
            if math.isnan(row["value"]):
                texts.append(f"{'error':>{width}}")
                continue
            mark = "*" if row["significant_bh"] is True else " "
            texts.append(f"{row['value']:.3f} {row['delta']:+.3f}{mark}".rjust(width))
        step = f"{'':>7}" if len(key) > 3 and key[3] else f"{ratio:>+7.2f}"  # a mix: no ratio
        lines.append(f"{feature[:15]:<16}{group[:17]:<18}{step}  " + "".join(texts))
    shifted = summary[_shifted(summary) & summary["significant"].notna()]
    if len(shifted):
        per_cell = int(shifted["significant"].sum())
        controlled = int(shifted["significant_bh"].sum())
        lines += ["", chance_sentence(flagged_by_chance(len(shifted)), beyond=controlled,
                                      per_cell=per_cell, fdr=0.05, cells="shifted cells",
                                      over="sweeps")]
        counts = practical_counts(shifted)
        if counts:
            lines.append(counts)
    best = winners(summary)
    base = best[(best["ratio"] == 0.0) & ~_shifted(best)]
    if len(base):
        lines += ["", f"best at baseline: {base['best'].iloc[0]}"]
    leader = base["leader"].iloc[0] if len(base) else None
    changes = best[best["leader"].notna() & (best["leader"] != leader)]
    if len(base) and len(changes):
        counts = changes["leader"].value_counts()
        real = sum(paired_lead(table, r.feature, r.ratio, r.leader, leader, metric,
                               mix=getattr(r, "mix", ""))[1] > 0
                   for r in changes.itertuples())
        lines.append(f"another algorithm leads in {len(changes)} of {len(best)} cells ("
                     + ", ".join(f"{name} {n}" for name, n in counts.items())
                     + f"); {real} of these leads exceed the noise")
    named = int(best["winner"].notna().sum())
    if best["beyond_noise"].notna().any():
        lines.append(f"a winner beyond the noise in {named} of {len(best)} cells; the others "
                     "are named 'within noise' with the algorithms the leader does not "
                     "separate from")
    errors = int(table["error"].notna().sum())
    if errors:
        lines.append(f"{errors} fits failed; see the error column.")
    if stats is not None:
        lines.append(f"{stats.fits} distinct fits: {stats.computed} computed, {stats.cached} "
                     f"from cache, {stats.seconds:.1f} s on {stats.backend}")
    return "\n".join(lines)


def practical_counts(summary: pd.DataFrame) -> str | None:
    """One line: how many cells of a :func:`summarize` table get each practical call, against
    which smallest change that matters; None when no cell has one."""
    called = summary[summary["practical"].notna()] if "practical" in summary else summary[:0]
    if called.empty:
        return None
    min_effect = called["min_effect"].dropna()
    return practical_calls_sentence(called["practical"].value_counts(),
                                    float(min_effect.iloc[0]) if len(min_effect) else None)
