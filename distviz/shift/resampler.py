"""The Resampler: the one declaration of a shift (feature, group and ratio, or a mix of every
group's share; up-sampler, class balance), whose dependent choices follow their parents: a new
dataset re-validates the feature, a new feature re-validates the group (and resets a mix given
as shares of another feature's groups), and ``spec`` changes once per effective change.
"""

from __future__ import annotations

import param

from ..data import Dataset
from ..data.crossed import group_phrase
from ..errors import ShiftError
from .presets import mix_spec
from .spec import CLASS_BALANCES, KEEPS, MAX_RATIO, UPSAMPLERS, ShiftSpec, rows_after

#: What a shift sets: one group's rows by a ratio, or every group's share.
MODES = ("group", "mix")


def describe_shift(dataset: Dataset, feature: str, group: str, ratio: float) -> str:
    """What a shift means, e.g. ``sex = female: 155 rows (19% of training), 0.5x``
    (a crossed group alone: ``sex=female & class=3rd: ...``)."""
    n_group = int((dataset.group_labels(feature) == group).sum())
    n_after = rows_after(n_group, ratio)
    share = n_after / max(len(dataset.X_train) - n_group + n_after, 1)
    how = "baseline" if ratio == 0 else f"{1 + float(ratio):g}x"
    return f"{group_phrase(feature, group)}: {n_after} rows ({share:.0%} of training), {how}"


class Resampler(param.Parameterized):
    """Which group of which feature to shift, by how much and how.

    ``ratio`` r makes the chosen group's training rows ``round(n_g * (1 + r))``: r < 0 randomly
    down-samples without replacement, r > 0 up-samples by duplication (``random``) or by SMOTE
    within the group and the target class (``smote``), and r = 0 is the baseline training set.
    Without a ``feature`` the top-ranked one (Gini importance) is taken; without a ``group``,
    the feature's :meth:`~distviz.data.Dataset.default_group`. A ``feature`` may cross two
    features, ``"sex,class"`` (groups ``sex=female & class=1st``).

    ``mode="mix"`` sets every group's share at once instead (docs/semantics.md, 12): ``mix`` is
    ``{group: share}``, ``"G1=s1,G2=s2"``, a preset (original, uniform, sqrt, balanced-classes)
    or ``"match"`` with a ``reference`` table; ``keep`` says what the mix keeps.

    Examples
    --------
    >>> rs = Resampler(dataset=Dataset(source="titanic"), feature="sex", group="female")
    >>> rs.ratio = -0.5
    >>> rs.spec.ratio, rs.group_rows()
    (-0.5, 353)
    >>> rs.param.update(mode="mix", mix="uniform")
    >>> rs.spec.shares()
    {'female': 0.5, 'male': 0.5}
    """

    dataset = param.ClassSelector(class_=Dataset, default=None, allow_None=True, doc="""
        The dataset whose training set is shifted (its test set is never touched).""")

    feature = param.Selector(default=None, objects=[], allow_None=True, doc="""
        The feature whose group is shifted; offered in order of importance once ranked.""")

    group = param.Selector(default=None, objects=[], allow_None=True, doc="""
        The group of ``feature`` to shift (a category, a quantile bin or "missing").""")

    # Not bounded here: the loop checks the range against its max_ratio with a clear message.
    ratio = param.Number(default=0.0, softbounds=(-1.0, MAX_RATIO), doc="""
        -1 removes the group from training, 0 is the baseline, 1 doubles it, 3 quadruples it.""")

    upsampler = param.Selector(default="random", objects=list(UPSAMPLERS), doc="""
        How rows are added when ratio > 0: duplicates, or SMOTE (SMOTENC with categorical
        columns) interpolated between neighbours of the same group and target class.""")

    class_balance = param.Selector(default="none", objects=list(CLASS_BALANCES), doc="""
        Class re-balancing applied after the feature shift, on the training set only
        (classification only).""")

    mode = param.Selector(default="group", objects=list(MODES), doc="""
        What the shift sets: one group's rows by ``ratio`` ("group"), or every group's share
        of the training set at once ("mix").""")

    mix = param.Parameter(default="original", doc="""
        In mix mode, every group's share: {group: share}, "G1=s1,G2=s2", a preset (original,
        uniform, sqrt, balanced-classes), or "match" to take ``reference``'s shares.""")

    reference = param.Parameter(default=None, doc="""
        The reference table (a CSV or Parquet path, or a DataFrame) whose shares of the
        feature's groups mix="match" takes, e.g. data from where the model is deployed.""")

    keep = param.Selector(default="total", objects=list(KEEPS), doc="""
        What a mix keeps: the training set's size ("total"), or the rows of the group with the
        largest share ("largest").""")

    spec = param.ClassSelector(class_=ShiftSpec, default=None, allow_None=True, precedence=-1,
                               doc="""
        The current shift, set once feature, group and ratio agree; watch this (not the
        separate parameters) to follow every effective change exactly once.""")

    def __init__(self, **params):
        feature, group = params.pop("feature", None), params.pop("group", None)
        super().__init__(**params)
        self._settling = False
        self._published: tuple | None = None
        self._mix_for: tuple = (None, None)  # the feature and mix last published
        if self.dataset is not None:
            if feature is not None:
                feature = self.dataset.check_feature(feature)
                if group is not None:
                    group = self.dataset.check_group(feature, group)
        self._settle(feature=feature, group=group)

    @param.depends("dataset", "dataset.version", "feature", "group", "ratio", "upsampler",
                   "class_balance", "mode", "mix", "reference", "keep", watch=True)
    def _update_spec(self) -> None:
        if not self._settling:
            self._settle(feature=self.feature, group=self.group)

    def _settle(self, *, feature, group) -> None:
        """Feature and group valid for the dataset (kept when they are), then ``spec``."""
        dataset = self.dataset
        self._settling = True
        try:
            if dataset is None:
                self.param.feature.objects, self.param.group.objects = [], []
                self.param.update(feature=None, group=None)
            else:
                features = [f for f in self.param.feature.objects if f in dataset.features]
                features += [f for f in dataset.features if f not in features]
                feature = self._crossed(feature, features)
                if feature not in features:
                    feature = self.default_feature()
                if self._published and self._published[0] != dataset.fingerprint \
                        and not dataset.is_classification:
                    self.class_balance = "none"  # a new regression dataset: nothing to balance
                groups = dataset.training_groups(feature)
                if group not in groups:
                    group = self._known_group(feature, group) or dataset.default_group(feature)
                self.param.feature.objects = features
                # Offered with their size: a tiny group stays selectable, and says it is tiny.
                sizes = dataset.groups(feature).set_index("group")["train_rows"]
                self.param.group.objects = {
                    f"{g} ({int(sizes.get(g, 0)):,} training rows)": g for g in groups}
                mixed_feature, mix = self._mix_for
                if mixed_feature not in (None, feature) and mix is self.mix \
                        and not (isinstance(mix, str) and "=" not in mix):
                    self.mix = "original"  # shares of another feature's groups: start over
                self.param.update(feature=feature, group=group)
        finally:
            self._settling = False
        self._publish()

    def _known_group(self, feature: str, group) -> str | None:
        """``group`` as the dataset labels it (a crossed group typed in another order), or
        None when the feature has no such group with training rows."""
        try:
            return None if group is None else self.dataset.check_group(feature, group)
        except ShiftError:
            return None

    def _crossed(self, feature, features: list[str]):
        """A crossed feature (``"sex,class"``), spelt canonically and offered beside the
        others; any other name as it is."""
        try:
            if feature is not None and self.dataset.is_crossed(feature):
                feature = self.dataset.check_feature(feature)
                features.append(feature)
        except ShiftError:
            pass  # two features no longer in this dataset: the default feature is taken
        return feature

    def _publish(self) -> None:
        spec = self.current_spec()
        key = (None if self.dataset is None else self.dataset.fingerprint, spec)
        self._mix_for = (self.feature, self.mix)
        if key != self._published:  # one event per effective change
            self._published = key
            self.spec = spec

    # ------------------------------------------------------------------ choices
    def reset(self, dataset: Dataset) -> None:
        """Switch to ``dataset`` with its defaults (the top-ranked feature, its default group,
        ratio 0, one-group mode: a mix's preset may not suit it), publishing ``spec`` once."""
        self._settling = True
        try:
            self.param.update(dataset=dataset, ratio=0.0, mode="group", mix="original")
        finally:
            self._settling = False
        self._settle(feature=None, group=None)

    def order_features(self, ordered: list[str] | None) -> None:
        """Offer the features in this order (e.g. by importance); the choice is kept."""
        if not ordered or self.dataset is None:
            return
        features = [f for f in ordered if f in self.dataset.features]
        features += [f for f in self.dataset.features if f not in features]
        if features != list(self.param.feature.objects):
            self.param.feature.objects = features

    def default_feature(self) -> str:
        """The top-ranked feature by Gini importance (ranked once per dataset, then cached)."""
        from ..importance import top_features
        return top_features(self.dataset, 1)[0]

    # ------------------------------------------------------------------ the shift
    def current_spec(self) -> ShiftSpec | None:
        """The shift the parameters declare (a mix: through
        :func:`~distviz.shift.presets.mix_spec`, which raises a ShiftError for a bad mix)."""
        if self.dataset is None or self.feature is None:
            return None
        if self.mode == "mix":
            return self.spec_of_mix(self.mix, reference=self.reference)
        return ShiftSpec(self.feature, self.group, float(self.ratio) + 0.0, self.upsampler,
                         self.class_balance)

    def spec_of_mix(self, mix, *, feature: str | None = None, reference=None) -> ShiftSpec:
        """The shift of ``mix`` (a preset name or ``{group: share}``) over ``feature``'s groups
        (default: the resampler's) with the resampler's keep, up-sampler and class balance; a
        ShiftError for a bad mix. What a view checks before it sets the mix."""
        return mix_spec(self.dataset, feature or self.feature, mix, reference=reference,
                        keep=self.keep, upsampler=self.upsampler,
                        class_balance=self.class_balance)

    def group_rows(self) -> int:
        """Training rows of the chosen group before the shift."""
        labels = self.dataset.group_labels(self.feature)
        return int((labels == self.group).sum())
