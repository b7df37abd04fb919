"""``distviz rank``: features by Gini, permutation or SHAP importance."""

from __future__ import annotations

from .common import add_data, load_dataset, print_json


def add_parser(sub):
    p = sub.add_parser("rank", help="rank features by Gini, permutation or SHAP importance")
    add_data(p)
    p.add_argument("--method", default="gini", choices=["gini", "permutation", "shap", "all"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")


def run(args) -> int:
    from ..importance import rank_features
    dataset = load_dataset(args)
    table = rank_features(dataset, method=args.method, random_state=args.seed)
    if args.json:
        print_json({"dataset": dataset.summary(), "method": args.method,
                    "features": table.to_dict("records")})
    else:
        print(f"{dataset.name}: {len(dataset.features)} features, target "
              f"{dataset.target_name} ({dataset.task_name})")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return 0
