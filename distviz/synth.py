"""A synthetic tabular dataset of any size, for benchmarks and tests (offline, seeded).

Mixed numeric and categorical columns, a binary target with a chosen share of positives and a
few informative features (the rest is noise), so every benchmark size can be produced without
a download.

Examples
--------
>>> table = make_table(1_000, random_state=1)
>>> table.shape
(1000, 15)
>>> round(float(table["target"].mean()), 2)
0.2
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

TARGET = "target"


def column_names(n_numeric: int = 8, n_categorical: int = 6) -> tuple[list[str], list[str]]:
    """The numeric (``num_0``, ...) and categorical (``cat_0``, ...) column names."""
    return [f"num_{i}" for i in range(n_numeric)], [f"cat_{i}" for i in range(n_categorical)]


def informative_features(n_numeric: int = 8, n_categorical: int = 6,
                         n_informative: int = 4) -> list[str]:
    """The columns the target depends on: numeric and categorical alternately, from the first."""
    numeric, categorical = column_names(n_numeric, n_categorical)
    chosen = []
    for i in range(max(n_numeric, n_categorical)):
        chosen += [c for c in (numeric[i:i + 1] + categorical[i:i + 1])]
    return chosen[:n_informative]


def _categories(index: int) -> list[str]:
    """3 to 8 levels per categorical column, named so they never parse as numbers."""
    return [f"c{index}_{chr(ord('a') + k)}" for k in range(3 + index % 6)]


def make_table(n_rows: int, *, n_numeric: int = 8, n_categorical: int = 6,
               imbalance: float = 0.2, n_informative: int = 4, missing: float = 0.01,
               random_state: int = 0, part: int = 0) -> pd.DataFrame:
    """A seeded table of ``n_rows`` rows: numeric and categorical features and a 0/1 target.

    Parameters
    ----------
    n_rows : int
        Number of rows.
    n_numeric, n_categorical : int
        Number of numeric (``num_i``) and categorical (``cat_i``) columns.
    imbalance : float
        Share of rows in the positive class (``target == 1``), in (0, 1).
    n_informative : int
        How many features (see :func:`informative_features`) drive the target; the others are
        independent noise.
    missing : float
        Share of values missing in each non-informative column.
    random_state : int
        Seed: the same arguments always give the same table.
    part : int
        Which block of rows: parts of one ``random_state`` share the same structure (group
        sizes, effects) but hold independent rows, so a huge table can be written in chunks.

    Returns
    -------
    DataFrame with the feature columns and ``target`` (int 0/1) last.
    """
    if n_rows < 2:
        raise ValueError("n_rows must be at least 2.")
    if not 0 < imbalance < 1:
        raise ValueError("imbalance is the share of positives; it must lie in (0, 1).")
    if not 0 <= n_informative <= n_numeric + n_categorical:
        raise ValueError("n_informative must lie between 0 and the number of features.")
    structure = np.random.default_rng([random_state, 0])  # group weights and effects
    rng = np.random.default_rng([random_state, 1, part])  # the rows
    numeric, categorical = column_names(n_numeric, n_categorical)
    informative = set(informative_features(n_numeric, n_categorical, n_informative))
    columns: dict[str, object] = {}
    signal = np.zeros(n_rows)

    for i, name in enumerate(numeric):
        # Different scales and shapes: normal, log-normal (skewed), uniform.
        shape = i % 3
        if shape == 0:
            mean, sd = 50.0 + 10 * i, 5.0 + i
            values = rng.normal(mean, sd, n_rows)
        elif shape == 1:
            mean = np.exp(1.0 + 0.6**2 / 2)
            sd = mean * np.sqrt(np.expm1(0.6**2))
            values = rng.lognormal(1.0, 0.6, n_rows)
        else:
            mean, sd = 0.0, (i + 1) / np.sqrt(3.0)
            values = rng.uniform(-1, 1, n_rows) * (i + 1)
        if name in informative:  # the population's moments, identical in every part
            signal += 1.5 * (values - mean) / sd
        columns[name] = values

    for i, name in enumerate(categorical):
        levels = _categories(i)
        weights = structure.dirichlet(np.full(len(levels), 2.0))  # uneven group sizes
        effects = np.linspace(-2.5, 2.5, len(levels))
        structure.shuffle(effects)
        codes = rng.choice(len(levels), size=n_rows, p=weights)
        if name in informative:
            signal += effects[codes]
        columns[name] = pd.Categorical.from_codes(codes, categories=levels)

    # The positive class: the rows with the largest signal plus noise, exactly the chosen share.
    score = signal + rng.normal(0.0, 1.0, n_rows)
    n_positive = min(max(int(round(imbalance * n_rows)), 1), n_rows - 1)
    target = np.zeros(n_rows, dtype=np.int64)
    target[np.argsort(-score, kind="stable")[:n_positive]] = 1

    table = pd.DataFrame(columns)
    if missing > 0:
        for name in numeric + categorical:
            if name in informative:
                continue
            mask = rng.random(n_rows) < missing
            if mask.any():
                table[name] = table[name].where(~mask)
    table[TARGET] = target
    return table


#: The planted group of :func:`make_planted_table`: its feature and its group.
PLANTED_FEATURE, PLANTED_GROUP, OTHER_GROUP = "region", "south", "north"


def make_planted_table(n_rows: int, *, share: float = 0.2, n_numeric: int = 4,
                       noise: float = 0.5, random_state: int = 0, part: int = 0) -> pd.DataFrame:
    """A seeded table with a planted group effect: a positive control for a shift's effect.

    Numeric features ``num_0 .. num_{n_numeric-1}`` (standard normal), a categorical
    ``region`` (``south`` with probability ``share``, else ``north``) and a 0/1 ``target``:
    ``1`` when ``s * num_0 + 0.5 * num_1 + N(0, noise)`` is positive, with ``s = +1`` in the
    north and ``s = -1`` in the south. A model that learns from the south's rows gets the
    south right; trained without them (ratio -1 on ``region = south``) it applies the north's
    rule there and gets most of the south wrong. The effect's true size for a given model is
    its change on the population: fit both training sets and score them on independent rows
    (``part=1, 2, ...``: the same population, other rows).
    """
    if n_rows < 2:
        raise ValueError("n_rows must be at least 2.")
    if not 0 < share < 1:
        raise ValueError("share is the south's share of the rows; it must lie in (0, 1).")
    if n_numeric < 2:
        raise ValueError("n_numeric must be at least 2 (num_0 and num_1 carry the signal).")
    rng = np.random.default_rng([random_state, 2, part])
    values = rng.normal(size=(n_rows, n_numeric))
    south = rng.random(n_rows) < share
    direction = np.where(south, -1.0, 1.0)
    score = direction * values[:, 0] + 0.5 * values[:, 1] + rng.normal(0.0, noise, n_rows)
    table = pd.DataFrame(values, columns=column_names(n_numeric, 0)[0])
    table[PLANTED_FEATURE] = pd.Categorical(np.where(south, PLANTED_GROUP, OTHER_GROUP),
                                            categories=[OTHER_GROUP, PLANTED_GROUP])
    table[TARGET] = (score > 0).astype(np.int64)
    return table


def write_csv(path: str | os.PathLike, n_rows: int, *, chunk_rows: int = 250_000,
              random_state: int = 0, **options) -> Path:
    """Write a generated table of ``n_rows`` rows to a CSV file, in chunks (bounded memory).

    Chunk ``k`` is ``make_table(..., part=k)``: same structure, independent rows; the class
    share holds within every chunk. Extra keyword arguments go to :func:`make_table`.
    """
    path = Path(path)
    chunk_rows = max(int(chunk_rows), 2)
    starts = list(range(0, n_rows, chunk_rows))
    if len(starts) > 1 and n_rows - starts[-1] < 2:  # never a one-row last chunk
        starts.pop()
    written = 0
    with path.open("w", newline="") as handle:
        for k, start in enumerate(starts):
            end = starts[k + 1] if k + 1 < len(starts) else n_rows
            size = end - start
            chunk = make_table(size, random_state=random_state, part=k, **options)
            chunk.to_csv(handle, index=False, header=(k == 0), float_format="%.6g")
            written += size
    return path
