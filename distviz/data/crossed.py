"""Crossed groups: two features at once (docs/semantics.md, 12).

A crossed feature is named by its two features joined with a comma, ``"sex,class"``; a row's
crossed group is ``sex=female & class=1st``: each part is that feature's own group (a category,
a numeric feature's bin such as ``age=Q1 [0.17, 21]``, or ``missing``), in the order the name
gives. A name is a plain string, so every place that takes a feature (groups, labels, a shift,
the cache key) takes a crossed one unchanged.
"""

from __future__ import annotations

import pandas as pd

from ..errors import ShiftError

SEPARATOR = ","
AND = " & "


def crossed_parts(feature: str, features: list[str]) -> tuple[str, str] | None:
    """The two features of a crossed name (None for one of ``features``, or a name without a
    comma); a name that is not two different known features is a ShiftError saying so."""
    if feature in features or SEPARATOR not in str(feature):
        return None
    parts = [p.strip() for p in str(feature).split(SEPARATOR)]
    if len(parts) != 2 or not all(parts):
        raise ShiftError(f"a crossed feature is two features joined by a comma, e.g. "
                         f"{features[0]},{features[-1]}; got {feature!r}.")
    unknown = [p for p in parts if p not in features]
    if unknown:
        raise ShiftError(f"unknown feature {unknown[0]!r} in {feature!r}; choose from: "
                         f"{', '.join(features)}.")
    if parts[0] == parts[1]:
        raise ShiftError(f"a crossed feature needs two different features; got {feature!r}.")
    return parts[0], parts[1]


def crossed_name(first: str, second: str) -> str:
    """The canonical name of ``first`` crossed with ``second``: ``"first,second"``."""
    return f"{first}{SEPARATOR}{second}"


def crossed_labels(first: str, second: str, first_labels: pd.Series,
                   second_labels: pd.Series) -> pd.Series:
    """Every row's crossed label from its two groups: ``first=a & second=b``."""
    return (f"{first}=" + first_labels.astype(str) + f"{AND}{second}="
            + second_labels.astype(str))


def crossed_label(first: str, first_group: str, second: str, second_group: str) -> str:
    return f"{first}={first_group}{AND}{second}={second_group}"


def split_crossed_group(text: str, first: str, second: str) -> tuple[str, str] | None:
    """The two groups a crossed group's text names (``"b=y & a=x"`` in either order, spaces
    as typed), or None when it does not name one group of each feature."""
    named = {}
    for part in str(text).split("&"):
        name, sep, value = part.partition("=")
        if not sep:
            return None
        named[name.strip()] = value.strip()
    if set(named) != {first, second}:
        return None
    return named[first], named[second]


def typed_crossed_group(group: str, first: str, second: str, known: dict[str, int],
                        groups_of) -> str | None:
    """A crossed group as typed (its parts in either order) as labelled, when ``known`` (the
    crossed groups with training rows: their sizes) holds it; a ShiftError naming them when
    both parts are groups (``groups_of(feature)``) whose crossing has no training rows; else
    None."""
    parts = split_crossed_group(group, first, second)
    label = parts and crossed_label(first, parts[0], second, parts[1])
    if label in known:
        return label
    if parts is not None and parts[0] in groups_of(first) and parts[1] in groups_of(second):
        raise ShiftError(f"the crossed group {label!r} has no training rows; choose one that "
                         "has: " + ", ".join(f"{g} ({n})" for g, n in known.items()) + ".")
    return None


def group_phrase(feature: str, group: str) -> str:
    """How a shift's group reads in a sentence: ``sex = female``, or a crossed group alone,
    ``sex=female & class=3rd`` (its label already names both features)."""
    first, sep, second = str(feature).partition(SEPARATOR)
    if sep and split_crossed_group(group, first.strip(), second.strip()) is not None:
        return str(group)
    return f"{feature} = {group}"
