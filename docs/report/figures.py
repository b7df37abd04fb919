"""The write-up's figures (``docs/figures``), drawn with matplotlib from the saved results only:
per dataset the headline metric and its change against the ratio with 95 % bands, recall and
specificity (classification), the advise map, and the first dataset's shifted distribution."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .cells import cell_stats
from .common import METRIC_LABELS, ratio_text


def make_figures(results: dict, directory: Path) -> list[Path]:
    """Per dataset: the headline metric vs ratio, its change vs baseline, and (classification)
    the changes in recall and specificity; each with its 95 % band (distviz.stats)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    directory.mkdir(parents=True, exist_ok=True)
    plt.rcParams.update({"figure.dpi": 110, "font.size": 9, "axes.grid": True,
                         "grid.alpha": 0.3, "savefig.bbox": "tight"})
    written = []
    for name, table in results["tables"].items():
        metric = "f1" if "f1" in table.columns else "r2"
        label = METRIC_LABELS[metric]
        figures = {"curves": ([metric], f"{name}: {label} vs ratio (mean of seeds, 95 % band: seed and test sample)"),
                   "delta": ([f"delta_{metric}"],
                             f"{name}: change in {label} vs baseline (95 % band: seed and test sample)")}
        if metric == "f1":
            figures["sensspec"] = (["delta_recall", "delta_specificity"],
                                   f"{name}: change in recall (sensitivity) and specificity "
                                   "vs baseline")
        for kind, (columns, title) in figures.items():
            path = directory / f"{name}_{kind}.png"
            _grid_figure(plt, table, columns, title, path)
            written.append(path)
    written.append(_distribution_figure(results, plt, directory))
    for name, advice in results.get("advice", {}).items():
        written.append(_advice_figure(plt, name, advice, directory))
    return written


# Matplotlib's hatch for inconclusive cells (the dashboard's map hatches them too).
INCONCLUSIVE_HATCH = "////"


def _advice_figure(plt, name: str, advice: dict, directory: Path) -> Path:
    """The dashboard's map of an advise run: groups x algorithms per ratio, coloured (the
    dashboard's colours) only beyond the noise after Benjamini–Hochberg; within it, grey when
    equivalent (no change over min_effect) and hatched white when inconclusive (the data
    cannot tell); each cell labelled with its change."""
    from matplotlib.colors import to_rgb
    from matplotlib.patches import Rectangle

    from distviz.advise import Cell, Skipped
    from distviz.views.advise_plots import cell_frame, colour_of

    cells = [Cell(**c) for c in advice["cells"]]
    skipped = [Skipped(**s) for s in advice["skipped"]]
    rows = list(dict.fromkeys((c.feature, c.group) for c in cells))
    algorithms, ratios = advice["algorithms"], advice["ratios"]
    frame = cell_frame(cells, rows, algorithms, ratios, skipped)
    label = METRIC_LABELS.get(advice["metric"], advice["metric"])
    fig, axes = plt.subplots(1, len(ratios), squeeze=False, sharey=True,
                             figsize=(1.2 + 1.25 * len(algorithms) * len(ratios),
                                      1.3 + 0.32 * len(rows)))
    for ax, ratio in zip(axes[0], ratios):
        at = frame[frame["ratio"] == ratio].set_index(["row", "algorithm"])
        labels = [f"{f} = {g}" for f, g in rows]
        image = np.ones((len(rows), len(algorithms), 3))
        hatched = []
        for i, row in enumerate(labels):
            for j, algorithm in enumerate(algorithms):
                cell = at.loc[(row, algorithm)]
                # The dashboard's rule: within the noise, equivalent grey, inconclusive white.
                image[i, j] = to_rgb(colour_of(cell["shade"], cell["state"], cell["practical"]))
                if cell["hatch"].strip():
                    hatched.append((i, j))
                ax.text(j, i, cell["text"], ha="center", va="center", fontsize=7)
        ax.imshow(image, aspect="auto")
        for i, j in hatched:
            ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch=INCONCLUSIVE_HATCH,
                                   edgecolor="#d0d0d0", linewidth=0))
        ax.set_xticks(range(len(algorithms)), algorithms, rotation=30, ha="right", fontsize=8)
        ax.set_yticks(range(len(rows)), labels, fontsize=8)
        ax.set_title(f"r = {ratio_text(ratio)}: change in {label}", fontsize=9)
        ax.grid(False)
    fig.suptitle(f"{name}: where more (or fewer) rows help; colour only beyond the noise "
                 "(Benjamini–Hochberg);\nwithin it grey = equivalent (no change that matters), "
                 "hatched white = inconclusive (the data cannot tell)", fontsize=9)
    fig.tight_layout()
    path = directory / f"{name}_advice.png"
    fig.savefig(path)
    plt.close(fig)
    return path


def _grid_figure(plt, table, columns, title, path) -> None:
    """One row per column, one panel per feature, one line + band per algorithm."""
    from distviz.views.sweep_plots import algorithm_colors

    algorithms = list(dict.fromkeys(table["algorithm"]))
    colors = algorithm_colors(algorithms)
    features = list(dict.fromkeys(table["feature"]))
    fig, axes = plt.subplots(len(columns), len(features), squeeze=False,
                             figsize=(4.2 * len(features), 3.0 * len(columns) + 0.4))
    for row, column in enumerate(columns):
        for ax, feature in zip(axes[row], features):
            sub = table[table["feature"] == feature]
            for algorithm in algorithms:
                st = cell_stats(sub[sub["algorithm"] == algorithm], column)
                ax.fill_between(st["ratio"], st["low"].fillna(st["mean"]),
                                st["high"].fillna(st["mean"]), color=colors[algorithm],
                                alpha=0.15, linewidth=0)
                ax.plot(st["ratio"], st["mean"], color=colors[algorithm], marker="o",
                        markersize=3, label=algorithm)
            if column.startswith("delta_"):
                ax.axhline(0, color="#444444", linewidth=0.8)
            ax.axvline(0, color="#999999", linewidth=0.8, linestyle=":")
            ax.set_title(f"{feature} = {sub['group'].iloc[0]}", fontsize=9)
            if row == len(columns) - 1:
                ax.set_xlabel("ratio r (group rows x (1 + r))")
        name = column.removeprefix("delta_")
        axes[row][0].set_ylabel(("change in " if column.startswith("delta_") else "")
                                + METRIC_LABELS.get(name, name))
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(algorithms), frameon=False,
               bbox_to_anchor=(0.5, -0.06 / len(columns)))
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _distribution_figure(results, plt, directory: Path) -> Path:
    """Group sizes of the first dataset's first swept feature at a few ratios (the counts are
    the sweep's own ``group_rows`` and ``train_rows`` columns)."""
    name, table = next(iter(results["tables"].items()))
    meta = results["meta"]["datasets"][name]
    feature = table["feature"].iloc[0]
    group = table["group"].iloc[0]
    groups = pd.DataFrame(meta["groups"][feature])
    groups = groups[groups["train_rows"] > 0]
    ratios = sorted(table["ratio"].unique())
    shown = [r for r in (min(ratios), 0.0, 1.0, max(ratios)) if r in ratios]
    fig, ax = plt.subplots(figsize=(7, 3))
    width = 0.8 / len(shown)
    for k, ratio in enumerate(shown):
        row = table[(table["feature"] == feature) & (table["ratio"] == ratio)].iloc[0]
        counts = [row["group_rows"] if g == group else n
                  for g, n in zip(groups["group"], groups["train_rows"])]
        total = row["train_rows"]
        ax.bar(np.arange(len(groups)) + (k - (len(shown) - 1) / 2) * width,
               np.asarray(counts) / total, width, label=f"r = {ratio_text(ratio)}")
    ax.set_xticks(np.arange(len(groups)), groups["group"], rotation=0)
    ax.set_ylabel("share of training rows")
    ax.set_title(f"{name}: training distribution of {feature} as the {group} group is "
                 "shifted (the test set is unchanged)", fontsize=9)
    ax.legend(frameon=False, fontsize=8)
    path = directory / "distribution.png"
    fig.savefig(path)
    plt.close(fig)
    return path
