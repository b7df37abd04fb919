"""What a new user sees first, in a real browser (issue 11.5, 11.7 and 25.2): the page opens on
the top-ranked feature and on a group a user would pick (one holding a real share of the
training rows, not a 1 % leftover); every group is offered with its size; the feature list
follows the ranking."""

import re
import time

import pytest

from distviz import Dataset
from distviz.importance import rank_features
from helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, served

pytestmark = pytest.mark.ui
MIN_SHARE = 0.10  # the default-group rule (docs/semantics.md, Defaults)

# The shift's Select widgets as the browser has them: title -> options ([value, label]), value.
SELECTS = """() => Object.fromEntries([...Bokeh.documents[0].all_models]
  .filter(m => m.type.endsWith('Select') && m.title)
  .map(m => [m.title, {options: m.options.map(o => Array.isArray(o) ? o : [o, o]),
                       value: m.value}]))"""


@pytest.mark.timeout(600)
@pytest.mark.parametrize("name", ["titanic", "penguins"])
def test_opens_on_the_top_feature_and_a_group_a_user_would_pick(name):
    from playwright.sync_api import sync_playwright

    dataset = Dataset(source=name)
    ranked = rank_features(dataset, method="gini")["feature"].tolist()
    with served() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.goto(f"{url}?data={name}&algorithms=xgboost,logistic_regression")
        page.get_by_text(re.compile(r"^Ran \d+ algorithms")).first.wait_for(timeout=300_000)
        time.sleep(0.5)
        selects = page.evaluate(SELECTS)
        page.screenshot(path=str(ARTIFACTS / f"defaults-{name}.png"), full_page=True)
        browser.close()

    feature, group = selects["Feature"], selects["Group"]
    # The feature list is in rank order, and the page opens on the top one.
    assert [value for value, _ in feature["options"]] == ranked
    assert feature["value"] == ranked[0]
    # Besides the majority group, the smallest group with at least MIN_SHARE of the training
    # rows (both sets have one); every group says its size, and tiny groups are still offered.
    sizes = dataset.groups(ranked[0]).set_index("group")["train_rows"]
    offered = {value: label for value, label in group["options"]}
    assert set(offered) == set(dataset.training_groups(ranked[0]))
    for value, label in offered.items():
        assert label == f"{value} ({int(sizes[value]):,} training rows)", label
    chosen = group["value"]
    others = sizes[[g for g in offered if g != sizes.idxmax()]]
    assert sizes[chosen] >= MIN_SHARE * len(dataset.X_train) and chosen != sizes.idxmax()
    assert sizes[chosen] == min(n for n in others if n >= MIN_SHARE * len(dataset.X_train))
