"""Command line: ``skmine`` (or ``python -m skmine``).

With no arguments it estimates MI on the MI-NEE paper's two tasks (``python -m skmine``);
``skmine estimate data.csv --x a,b --y c`` estimates MI between columns of a CSV file and
``skmine select data.csv --target c --k 10`` ranks its features by MI with a target.

The estimators (and so PyTorch, which takes seconds to load) are imported inside the
commands, after the input has been read and checked: ``--help`` and usage errors are quick.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

import numpy as np

from .data import UsageError, check_k, read_columns, split_names, to_matrix, to_target
from .progress import describe_stop
from .registry import REGISTRY, estimator_class


def _mixed_gaussians(seed: int):
    from ..datasets import mixed_gaussians

    return mixed_gaussians(400, rho=0.9, random_state=seed)


def _correlated_gaussians(seed: int):
    from ..datasets import correlated_gaussians

    return correlated_gaussians(5000, rho=0.9, dim=6, random_state=seed)


DEMO_TASKS = {"MG(0.9), N=400": _mixed_gaussians, "HG(0.9, 6), N=5000": _correlated_gaussians}
DEMO_INTRO = """\
skmine demo: mutual information (nats) on two tasks whose true value is known, by a k-NN
estimator and by each neural estimator with its defaults. About 45 s on 2 idle cores
(several times longer when another program keeps a core busy).
  MG(0.9), N=400:     an equal mixture of two 2-D Gaussians with correlations +0.9 and -0.9
                      (X, y scalar); truth by numerical integration. Slow to learn for MINE.
  HG(0.9, 6), N=5000: 6 independent pairs (X_i, y_i) with correlation 0.9; truth
                      -3 ln(1 - 0.81) = 4.982 nats.
  KSG (k=3):          the Kraskov-Stoegbauer-Grassberger k-nearest-neighbour estimator.
"""
DEMO_OUTRO = """\
[low, high]: 95% interval. MINE and DeepInfoMaxJSD report the midpoint of their critics' bound
on samples they did not train on (3-fold cross-fitting) and on their own training samples; the
interval spans both, plus sampling noise. MINEE's covers sampling noise. No interval widens for
a critic that cannot represent the dependence, so one can miss the truth at large MI."""
ENTROPIES = {"entropy_x_": "H(X)", "entropy_y_": "H(Y)", "entropy_xy_": "H(X, Y)"}


def interval_meaning(estimator) -> str:
    """What the fitted estimator's interval covers, in a few words."""
    level = f"{estimator.confidence_level:.0%} interval"
    if getattr(estimator, "bias_correction", None) == "optimism":
        return f"{level} from the held-out to the training-sample bound, plus sampling noise"
    return f"{level} for sampling noise"


def demo_estimators(seed: int) -> dict:
    """The estimators the demo compares, with default settings."""
    classes = [estimator_class(name) for name in REGISTRY]
    return {cls.__name__: cls(random_state=seed, verbose=1) for cls in classes}


def _demo_line(task: str, method: str, value: float, seconds: float, interval=None) -> str:
    text = f"{task:<20} {method:<16} {value:7.3f}"
    if interval is not None:
        text += f"  [{interval[0]:.3f}, {interval[1]:.3f}]"
    else:
        text += " " * 18
    return text + f"  ({seconds:.1f} s)"


def run_demo(seed: int = 0, out=None) -> list[dict]:
    """Estimate MI on the embedded tasks, printing each estimate (with its interval) as it comes."""
    from ..baselines import ksg_mutual_info

    out = out or sys.stdout
    print(DEMO_INTRO, file=out, flush=True)
    print(f"{'task':<20} {'method':<16} {'nats':>7}  {'95% interval':<16}  (time)", file=out)
    rows = []
    for task, make in DEMO_TASKS.items():
        X, y, truth = make(seed)
        row = {"task": task, "truth": truth}
        print(_demo_line(task, "truth", truth, 0.0).rsplit("  (", 1)[0], file=out, flush=True)
        start = time.perf_counter()
        row["KSG (k=3)"] = ksg_mutual_info(X, y, random_state=seed)
        row["KSG (k=3) s"] = time.perf_counter() - start
        print(_demo_line(task, "KSG (k=3)", row["KSG (k=3)"], row["KSG (k=3) s"]), file=out)
        for name, estimator in demo_estimators(seed).items():
            start = time.perf_counter()
            estimator.fit(X, y)
            row[name] = estimator.mutual_info_
            row[f"{name} s"] = time.perf_counter() - start
            row[f"{name} ci"] = estimator.mutual_info_ci_
            line = _demo_line(task, name, row[name], row[f"{name} s"], row[f"{name} ci"])
            print(line, file=out, flush=True)
        rows.append(row)
    print(DEMO_OUTRO, file=out)
    return rows


def run_estimate(args: argparse.Namespace, out=None) -> dict[str, float]:
    """``skmine estimate``: fit the chosen estimator on CSV columns and print its estimates."""
    out = out or sys.stdout
    columns = read_columns(args.data)
    X = to_matrix(columns, split_names(args.x))
    y_names = split_names(args.y)
    y, labels = to_target(columns, y_names, args.discrete_target, "--y")
    discrete = _discrete_target(y, labels, y_names[0])
    estimator = estimator_class(args.estimator)(
        random_state=args.seed,
        device=args.device,
        verbose=int(args.progress),
        discrete_target=discrete,
    )
    if args.max_iter is not None:
        estimator.set_params(max_iter=args.max_iter)
    estimator.fit(X, y)
    results = {"I(X; Y)": float(estimator.mutual_info_)}
    intervals = {"I(X; Y)": estimator.mutual_info_ci_}
    for attribute, label in ENTROPIES.items():
        if hasattr(estimator, attribute):
            results[label] = float(getattr(estimator, attribute))
            intervals[label] = getattr(estimator, attribute[:-1] + "_ci_")
    print(
        f"{type(estimator).__name__} on {X.shape[0]} rows (nats; divide by ln 2 for bits); "
        f"[low, high]: {interval_meaning(estimator)}",
        file=out,
    )
    for label, value in results.items():
        low, high = intervals[label]
        print(f"{label:<8} {value:.4f}  [{low:.4f}, {high:.4f}]", file=out)
    print(describe_stop(estimator), file=out)
    return results


def run_select(args: argparse.Namespace, out=None) -> list[tuple[str, float]]:
    """``skmine select``: rank the CSV's features by neural MI with the target column."""
    out = out or sys.stdout
    columns = read_columns(args.data)
    target = split_names(args.target)
    if len(target) != 1:
        raise UsageError(f"--target takes one column, got {args.target!r}")
    y, labels = to_target(columns, target, args.discrete_target, "--target")
    names = split_names(args.features) if args.features else [c for c in columns if c != target[0]]
    if not names:
        raise UsageError(f"no feature columns: {args.data} has only the target {target[0]!r}")
    X = to_matrix(columns, names)
    k = check_k(args.k, len(names))
    discrete = _discrete_target(y, labels, target[0])
    try:
        from ..feature_selection._univariate import mutual_info_neural
    except ImportError:
        raise UsageError("feature selection is not available in this installation") from None
    scores = mutual_info_neural(
        X, y, discrete_target=discrete, random_state=args.seed, n_jobs=args.n_jobs
    )
    order = np.argsort(-np.asarray(scores), kind="stable")[:k]
    ranking = [(names[i], float(scores[i])) for i in order]
    print(f"rank  {'feature':<20} MI with {target[0]} (nats)", file=out)
    for rank, (name, score) in enumerate(ranking, start=1):
        print(f"{rank:>4}  {name:<20} {score:.4f}", file=out)
    return ranking


def _discrete_target(y: np.ndarray, labels: bool, name: str) -> bool:
    """Whether the target is class labels; notes on stderr what was inferred or may be meant.

    Text is class labels, numbers are continuous unless ``--discrete-target`` was given. A
    numeric target that looks like integer-coded labels gets a hint (not the library's
    ``UserWarning``, which names the Python parameter instead of the option).
    """
    if labels and y.dtype.kind == "U":
        print(
            f"skmine: note: target {name!r} is not numeric: "
            f"treated as {np.unique(y).size} class labels",
            file=sys.stderr,
        )
    elif not labels and y.ndim == 1:
        from .._engine.data import integer_coded_levels

        levels = integer_coded_levels(y)
        if levels is not None:
            print(
                f"skmine: note: target {name!r} holds only {levels} distinct integer values "
                "and is treated as continuous; pass --discrete-target if they are class labels",
                file=sys.stderr,
            )
    return labels


SEED_HELP = "random seed (default 0)"


def _estimator_help() -> str:
    return "; ".join(
        f"{name}{' (default)' if name == 'mine' else ''}: {help_}"
        for name, (_, _, help_) in REGISTRY.items()
    )


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser (needs no estimator import)."""
    parser = argparse.ArgumentParser(
        prog="skmine",
        description="Neural mutual-information estimation. With no command, runs the "
        "embedded benchmark (the MI-NEE paper's MG(0.9) and HG(0.9, 6)).",
    )
    parser.add_argument("--seed", type=int, default=0, help=SEED_HELP)
    commands = parser.add_subparsers(dest="command", metavar="{estimate,select}")

    est = commands.add_parser("estimate", help="MI between columns of a CSV file")
    est.add_argument("data", help="CSV file (UTF-8) with a header row")
    est.add_argument("--x", required=True, help="comma-separated columns of X")
    est.add_argument("--y", required=True, help="comma-separated columns of Y")
    est.add_argument(
        "--estimator", choices=sorted(REGISTRY), default="mine", help=_estimator_help()
    )
    est.add_argument(
        "--max-iter", type=int, default=None, help="training iterations (default: the estimator's)"
    )
    est.add_argument("--device", default="auto", help="'auto', 'cpu', 'cuda', ...")
    est.add_argument(
        "--no-progress",
        dest="progress",
        action="store_false",
        help="do not draw a progress bar on stderr",
    )

    sel = commands.add_parser("select", help="rank features by MI with a target column")
    sel.add_argument("data", help="CSV file (UTF-8) with a header row")
    sel.add_argument("--target", required=True, help="the target column")
    sel.add_argument("--features", help="comma-separated feature columns (default: all others)")
    sel.add_argument(
        "--k",
        type=int,
        default=None,
        help="how many features to list, from 1 to their number (default: 10, or all if fewer)",
    )
    sel.add_argument("--n-jobs", type=int, default=None, help="parallel jobs")

    for sub, option in ((est, "--y"), (sel, "--target")):
        sub.add_argument(
            "--discrete-target",
            action="store_true",
            help=f"treat a numeric {option} column as class labels (a column that is not all "
            "numbers always is)",
        )
        # Also accepted after the command. SUPPRESS: when it is not given there, the
        # subcommand leaves the top-level value (``skmine --seed 5 estimate ...``) alone.
        sub.add_argument("--seed", type=int, default=argparse.SUPPRESS, help=SEED_HELP)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (2 for bad input or parameters)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "estimate":
            run_estimate(args)
        elif args.command == "select":
            run_select(args)
        else:
            run_demo(seed=args.seed)
    except (UsageError, ValueError) as error:  # bad input or parameters: one line, no traceback
        print(f"skmine: error: {error}", file=sys.stderr)
        return 2
    return 0
