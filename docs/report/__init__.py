"""The write-up's parts beyond the sweeps: practical-call counts (calls.py), the positive
control with a planted group effect (control.py) and one mix per dataset (mixes.py). Each
module computes and saves its results (under docs/results) and turns the saved results into
the template's context; docs/make_report.py drives them."""
