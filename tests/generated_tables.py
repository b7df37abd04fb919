"""Seeded tables shaped like the real files a new user brings (a census whose target is its
first column, diamonds whose target is in the middle, one whose target is last), for the
first-choices tests in the engine, the CLI and the browser. No download: numpy only."""

import numpy as np
import pandas as pd


def census_like(n_rows: int = 6000, seed: int = 0) -> pd.DataFrame:
    """A census-shaped table whose target, ``income``, is its first column; ``marital_status``
    has a 1.3 % category (Married-spouse-absent) and a 0.07 % one, as the real census has."""
    rng = np.random.default_rng(seed)
    marital = rng.choice(
        ["Married-civ-spouse", "Never-married", "Divorced", "Separated", "Widowed",
         "Married-spouse-absent", "Married-AF-spouse"],
        p=[0.4603, 0.33, 0.136, 0.031, 0.029, 0.013, 0.0007], size=n_rows)
    age = rng.integers(17, 90, n_rows)
    education_num = rng.integers(1, 17, n_rows)
    hours = rng.integers(1, 99, n_rows)
    gain = np.where(rng.random(n_rows) < 0.92, 0, rng.lognormal(8, 1, n_rows).round())
    score = (0.8 * (marital == "Married-civ-spouse") + 0.15 * education_num + 0.02 * age
             + 0.01 * hours + rng.normal(0, 1, n_rows))
    income = np.where(score > np.quantile(score, 0.76), ">50K", "<=50K")
    return pd.DataFrame({
        "income": income, "age": age,
        "workclass": rng.choice(["Private", "Self-emp", "Gov", "Without-pay"], n_rows),
        "education_num": education_num, "marital_status": marital,
        "occupation": rng.choice([f"occupation-{i}" for i in range(14)], n_rows),
        "sex": rng.choice(["Male", "Female"], n_rows), "capital_gain": gain,
        "hours_per_week": hours,
        "native_country": rng.choice([f"country-{i}" for i in range(40)], n_rows),
    })


def diamonds_like(n_rows: int = 2000, seed: int = 0) -> pd.DataFrame:
    """A diamonds-shaped table: ``price`` in the middle, the sizes ``x, y, z`` (mm) after it,
    sorted by price like the real file."""
    rng = np.random.default_rng(seed)
    carat = rng.gamma(2.0, 0.4, n_rows).round(2) + 0.2
    x = (6.4 * carat ** (1 / 3) + rng.normal(0, 0.05, n_rows)).round(2)
    frame = pd.DataFrame({
        "carat": carat,
        "cut": rng.choice(["Fair", "Good", "Very Good", "Premium", "Ideal"], n_rows),
        "color": rng.choice(list("DEFGHIJ"), n_rows),
        "clarity": rng.choice(["I1", "SI2", "SI1", "VS2", "VS1", "VVS2", "VVS1", "IF"], n_rows),
        "depth": rng.normal(61.7, 1.4, n_rows).round(1),
        "table": rng.normal(57.5, 2.2, n_rows).round(0),
        "price": (3900 * carat ** 1.7 * rng.lognormal(0, 0.15, n_rows)).round().astype(int),
        "x": x, "y": (x + rng.normal(0, 0.05, n_rows)).round(2),
        "z": (0.62 * x + rng.normal(0, 0.03, n_rows)).round(2),
    })
    return frame.sort_values("price", kind="stable").reset_index(drop=True)


def insurance_like(n_rows: int = 1000, seed: int = 0) -> pd.DataFrame:
    """A table whose target, ``charges``, is its last column and has no usual target name;
    a binary ``smoker`` and an identifier compete with it."""
    rng = np.random.default_rng(seed)
    smoker = rng.choice(["yes", "no"], n_rows, p=[0.2, 0.8])
    bmi = rng.normal(30, 6, n_rows).round(1)
    age = rng.integers(18, 65, n_rows)
    return pd.DataFrame({
        "customer_id": rng.permutation(n_rows) + 10_000, "age": age,
        "sex": rng.choice(["female", "male"], n_rows), "bmi": bmi, "smoker": smoker,
        "region": rng.choice(["northeast", "northwest", "southeast", "southwest"], n_rows),
        "charges": (250 * age + 300 * bmi + 23_000 * (smoker == "yes")
                    + rng.normal(0, 4000, n_rows)).round(2),
    })
