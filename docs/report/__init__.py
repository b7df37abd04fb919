"""The write-up's parts, driven by docs/make_report.py: practical-call counts (calls.py), the
positive control with a planted group effect (control.py), one mix per dataset (mixes.py), the
figures (figures.py), per-cell statistics of a sweep table (cells.py) and the formatting they
share (common.py). Each part computes and saves its results under docs/results, or turns the
saved results into the template's context."""
