"""The command line: estimates on CSV files, feature ranking, and its error messages."""

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import skmine
from skmine.cli.data import check_k, read_columns
from skmine.cli.main import build_parser, main
from skmine.cli.progress import describe_stop
from skmine.datasets import correlated_gaussians

# The tests train with small budgets on purpose; the warnings that provokes are expected.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# The checkout under test, whatever is installed: subprocesses import skmine from here.
SOURCE_ROOT = str(Path(skmine.__file__).resolve().parents[1])


@pytest.fixture
def csv_file(tmp_path):
    X, y, truth = correlated_gaussians(1500, rho=0.8, dim=2, random_state=0)
    noise = np.random.RandomState(1).standard_normal(1500)
    path = tmp_path / "data.csv"
    rows = ["a,b,c,d,noise,label"]
    for i in range(1500):
        rows.append(f"{X[i, 0]},{X[i, 1]},{y[i, 0]},{y[i, 1]},{noise[i]},cat{i % 2}")
    path.write_text("\n".join(rows) + "\n")
    return path, truth


def test_estimate_prints_mi_close_to_truth_and_a_progress_bar(csv_file, capsys):
    path, truth = csv_file
    argv = ["estimate", str(path), "--x", "a,b", "--y", "c,d", "--max-iter", "600"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    line = next(row for row in out.splitlines() if row.startswith("I(X; Y)"))
    estimate, interval = line.removeprefix("I(X; Y)").split(maxsplit=1)
    low, high = (float(v) for v in interval.strip("[]").split(","))
    assert abs(float(estimate) - truth) < 0.15 * truth
    assert low < float(estimate) < high
    assert "600/600" in err and "held-out" in err and "checkpoint of iteration" in err


def test_minee_prints_mi_and_entropies(csv_file, capsys):
    path, truth = csv_file
    argv = ["estimate", str(path), "--x", "a,b", "--y", "c,d", "--estimator", "minee"]
    assert main([*argv, "--max-iter", "600", "--no-progress"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].startswith("Training: ")
    values = dict(line.split("[")[0].rsplit(maxsplit=1) for line in lines[1:-1])
    values = {label.strip(): float(v) for label, v in values.items()}
    standard_2d = np.log(2 * np.pi * np.e)  # H of a standard 2-D Gaussian
    assert values["I(X; Y)"] == pytest.approx(truth, rel=0.15)
    assert values["H(X)"] == pytest.approx(standard_2d, rel=0.05)
    assert values["H(Y)"] == pytest.approx(standard_2d, rel=0.05)
    assert values["H(X, Y)"] == pytest.approx(
        values["H(X)"] + values["H(Y)"] - values["I(X; Y)"], abs=1e-3
    )


def test_estimate_is_reproducible_and_can_hide_the_bar(csv_file, capsys):
    path, _ = csv_file
    argv = ["estimate", str(path), "--x", "a", "--y", "c", "--max-iter", "100"]
    assert main([*argv, "--no-progress", "--seed", "3"]) == 0
    first, err = capsys.readouterr()
    assert err == ""
    assert main([*argv, "--no-progress", "--seed", "3"]) == 0
    assert capsys.readouterr().out == first


def test_seed_reaches_the_estimator_before_or_after_the_command(csv_file, monkeypatch, capsys):
    import skmine.cli.main as cli

    seeds = []
    real_class = cli.estimator_class

    def recording_class(name):
        def make(**params):
            seeds.append(params["random_state"])
            return real_class(name)(**params)

        return make

    monkeypatch.setattr(cli, "estimator_class", recording_class)
    path, _ = csv_file
    argv = ["estimate", str(path), "--x", "a", "--y", "c", "--max-iter", "20", "--no-progress"]
    for args in (["--seed", "5", *argv], [*argv, "--seed", "6"], argv):
        assert main(args) == 0
    assert seeds == [5, 6, 0]


@pytest.mark.parametrize(
    "command", [["estimate", "f.csv", "--x", "a", "--y", "c"], ["select", "f.csv", "--target", "c"]]
)
def test_seed_is_parsed_before_or_after_either_command(command):
    parser = build_parser()
    assert parser.parse_args(command).seed == 0
    assert parser.parse_args(["--seed", "7", *command]).seed == 7
    assert parser.parse_args([*command, "--seed", "8"]).seed == 8
    assert parser.parse_args(["--seed", "7", *command, "--seed", "8"]).seed == 8
    assert parser.parse_args(["--seed", "9"]).seed == 9


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["estimate", "missing.csv", "--x", "a", "--y", "c"], "skmine: error: no such file: "),
        (
            ["estimate", "{path}", "--x", "a,zz", "--y", "c"],
            "skmine: error: unknown column(s): zz; the file has: a, b, c, d, noise, label",
        ),
        (
            ["estimate", "{path}", "--x", "label", "--y", "c"],
            "skmine: error: column 'label' is not numeric: value 'cat0' on data row 1",
        ),
        (
            ["estimate", "{path}", "--x", "a", "--y", "c,d", "--discrete-target"],
            "skmine: error: --discrete-target needs a single --y column, got 2",
        ),
        (
            ["select", "{path}", "--target", "c", "--features", "a,b,noise", "--k", "-1"],
            "skmine: error: --k must be a positive integer no larger than the number of "
            "features (3), got -1",
        ),
        (
            ["select", "{path}", "--target", "c", "--features", "a,b,noise", "--k", "0"],
            "skmine: error: --k must be a positive integer no larger than the number of "
            "features (3), got 0",
        ),
        (
            ["select", "{path}", "--target", "c", "--features", "a,b,d,noise", "--k", "5"],
            "skmine: error: --k must be a positive integer no larger than the number of "
            "features (4), got 5",
        ),
        (
            ["estimate", "{path}", "--x", "a", "--y", "c", "--max-iter", "0"],
            "skmine: error: The 'max_iter' parameter of MINE must be",
        ),
    ],
)
def test_bad_input_gives_one_line_and_exit_code_2(csv_file, capsys, argv, message):
    path, _ = csv_file
    argv = [arg.format(path=path) for arg in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(message)
    assert "Traceback" not in err and err.count("\n") == 1


def test_unknown_estimator_is_an_argparse_error(csv_file, capsys):
    path, _ = csv_file
    with pytest.raises(SystemExit) as exc:
        main(["estimate", str(path), "--x", "a", "--y", "c", "--estimator", "nope"])
    assert exc.value.code == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err


def test_select_ranks_the_dependent_feature_first(csv_file, capsys):
    pytest.importorskip("skmine.feature_selection")
    path, _ = csv_file
    argv = ["select", str(path), "--target", "c", "--features", "a,b,noise", "--k", "2"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert lines[1].split()[:2] == ["1", "a"]


def test_demo_runs_with_no_arguments(monkeypatch, capsys):
    import skmine.cli.main as cli

    tiny = {"HG(0.5, 1), N=300": lambda s: correlated_gaussians(300, 0.5, 1, random_state=s)}
    monkeypatch.setattr(cli, "DEMO_TASKS", tiny)
    monkeypatch.setattr(
        cli, "demo_estimators", lambda seed: {"MINE": cli.estimator_class("mine")(max_iter=50)}
    )
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "HG(0.5, 1), N=300" in out and "KSG (k=3)" in out
    assert out.index("skmine demo:") < out.index("HG(0.5, 1), N=300")
    mine_line = next(line for line in out.splitlines() if " MINE " in line)
    low, high = (float(v) for v in mine_line.split("[")[1].split("]")[0].split(","))
    assert low <= float(mine_line.split()[4]) <= high
    assert "95% interval. MINE and DeepInfoMaxJSD report the midpoint" in out


@pytest.fixture
def labels_file(tmp_path):
    """Feature ``a`` decides the text label ``yes``/``no`` and its 0/1 code; ``b`` is noise."""
    rng = np.random.RandomState(2)
    a, b = rng.standard_normal((2, 800))
    code = (a + 0.3 * rng.standard_normal(800) > 0).astype(int)
    path = tmp_path / "labels.csv"
    rows = ["a,b,label,code"]
    rows += [f"{a[i]},{b[i]},{('no', 'yes')[code[i]]},{code[i]}" for i in range(800)]
    path.write_text("\n".join(rows) + "\n")
    return path


def run_skmine(*args: str, code: str | None = None) -> subprocess.CompletedProcess:
    """``python -m skmine ARGS`` (or ``python -c CODE ARGS``) on the checkout under test."""
    env = {**os.environ, "PYTHONPATH": SOURCE_ROOT, "OMP_NUM_THREADS": "1"}
    command = ["-c", code] if code else ["-m", "skmine"]
    return subprocess.run(
        [sys.executable, *command, *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_importing_the_cli_does_not_import_torch():
    code = "import sys, skmine, skmine.__main__; print('torch' in sys.modules)"
    assert run_skmine(code=code).stdout.strip() == "False"


# Runs the command line, then says whether torch was imported by the time it returned.
MAIN_THEN_TORCH = (
    "import sys; from skmine.cli.main import main; rc = main(sys.argv[1:]); "
    "print('torch' in sys.modules); sys.exit(rc)"
)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["select", "missing.csv", "--target", "c", "--k", "1"], "no such file: missing.csv"),
        (["select", "{path}", "--target", "zz", "--k", "1"], "unknown column(s): zz"),
        (
            ["select", "{path}", "--target", "c", "--features", "a,b", "--k", "0"],
            "--k must be a positive integer",
        ),
        (["estimate", "{path}", "--x", "label", "--y", "c"], "column 'label' is not numeric"),
    ],
)
def test_usage_errors_are_reported_before_torch_is_imported(csv_file, argv, message):
    path, _ = csv_file
    result = run_skmine(*[arg.format(path=path) for arg in argv], code=MAIN_THEN_TORCH)
    assert result.returncode == 2
    assert result.stderr.startswith(f"skmine: error: {message}")
    assert result.stderr.count("\n") == 1
    assert result.stdout.strip() == "False"


def test_python_m_skmine_reports_a_missing_file_with_exit_status_2(tmp_path):
    result = run_skmine("select", str(tmp_path / "missing.csv"), "--target", "c", "--k", "1")
    assert result.returncode == 2
    assert result.stderr == f"skmine: error: no such file: {tmp_path / 'missing.csv'}\n"


def test_help_describes_every_estimator(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "2000")  # argparse wraps at the terminal's width
    with pytest.raises(SystemExit) as exc:
        main(["estimate", "--help"])
    assert exc.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "mine (default): MINE, a critic trained on the Donsker-Varadhan bound" in text
    assert "minee: MI-NEE, entropies against a known reference" in text
    assert "dim: Deep InfoMax's Jensen-Shannon critic" in text
    assert "--discrete-target treat a numeric --y column as class labels" in text


def test_k_defaults_to_ten_or_all_features():
    assert check_k(None, 3) == 3
    assert check_k(None, 50) == 10
    assert check_k(3, 3) == 3


def test_a_byte_order_mark_does_not_hide_the_first_column(tmp_path, capsys):
    path = tmp_path / "excel.csv"
    path.write_text("a,b,c\n1,2,3\n4,5,6\n", encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert list(read_columns(path)) == ["a", "b", "c"]
    # The --k check comes after the column lookup: reaching it means 'a' was found.
    assert main(["select", str(path), "--target", "a", "--k", "3"]) == 2
    assert capsys.readouterr().err == (
        "skmine: error: --k must be a positive integer no larger than the number of "
        "features (2), got 3\n"
    )


def test_a_file_that_is_not_utf8_is_named(tmp_path, capsys):
    path = tmp_path / "latin1.csv"
    path.write_bytes("a,b\n1,2\ncaf\u00e9,3\n".encode("latin-1"))
    assert main(["select", str(path), "--target", "a"]) == 2
    assert capsys.readouterr().err == (
        f"skmine: error: {path} is not UTF-8 text: line 3 has the byte 0xe9, which UTF-8 "
        "cannot decode; save the file as UTF-8 (Excel: 'CSV UTF-8')\n"
    )


def test_a_missing_target_value_is_an_error(tmp_path, capsys):
    path = tmp_path / "gap.csv"
    path.write_text("a,y\n1,yes\n2,\n3,no\n")
    assert main(["select", str(path), "--target", "y"]) == 2
    assert capsys.readouterr().err == (
        "skmine: error: column 'y' has a missing or non-finite value '' on data row 2\n"
    )


def test_select_ranks_features_against_text_class_labels(labels_file, capsys):
    argv = ["select", str(labels_file), "--target", "label", "--features", "a,b", "--k", "2"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[1].split()[:2] == ["1", "a"] and float(lines[1].split()[2]) > 0.2
    assert err == "skmine: note: target 'label' is not numeric: treated as 2 class labels\n"


def test_estimate_takes_text_labels_and_discrete_numeric_targets(labels_file, capsys):
    base = ["estimate", str(labels_file), "--x", "a", "--estimator", "minee", "--no-progress"]
    base += ["--max-iter", "200"]
    assert main([*base, "--y", "label"]) == 0
    by_text = capsys.readouterr().out
    assert main([*base, "--y", "code", "--discrete-target"]) == 0
    by_code, err = capsys.readouterr()
    assert err == ""
    assert by_code == by_text  # the same classes, so the same fit
    h_y = float(next(line for line in by_code.splitlines() if line.startswith("H(Y) ")).split()[1])
    assert h_y == pytest.approx(np.log(2), abs=0.02)  # entropy of two near-balanced classes


def test_a_numeric_target_stays_continuous_with_a_hint(labels_file, capsys):
    argv = ["estimate", str(labels_file), "--x", "a", "--y", "code", "--max-iter", "20"]
    assert main([*argv, "--no-progress"]) == 0
    assert capsys.readouterr().err == (
        "skmine: note: target 'code' holds only 2 distinct integer values and is treated as "
        "continuous; pass --discrete-target if they are class labels\n"
    )


def test_estimate_says_why_training_stopped(csv_file, capsys):
    path, _ = csv_file
    # Independent columns: the held-out estimate never improves, so early stopping ends the fit.
    argv = ["estimate", str(path), "--x", "noise", "--y", "a", "--estimator", "dim"]
    assert main([*argv, "--max-iter", "5000"]) == 0
    out, err = capsys.readouterr()
    last = out.splitlines()[-1]
    assert last.startswith("Training: early stopping at iteration ")
    assert " of 5000 (the held-out estimate stopped improving); estimates from the " in last
    stopped_at = int(last.split("iteration ")[1].split()[0])
    assert f"{stopped_at}/5000" in err and stopped_at < 5000
    assert "early stopping; checkpoint of iteration" in err


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("max_iter", "Training: ran all 500 iterations; estimates from the checkpoint at "),
        ("non_finite", "Training: stopped at iteration 300 of 500 after repeated non-finite "),
        ("interrupted", "Training: interrupted at iteration 300 of 500; estimates from the "),
    ],
)
def test_describe_stop_names_the_reason_and_the_checkpoint(reason, expected):
    fitted = SimpleNamespace(
        stop_reason_=reason,
        n_iter_=300,
        best_iteration_=200,
        get_params=lambda: {"max_iter": 500, "n_iter_no_change": 4},
    )
    line = describe_stop(fitted)
    assert line.startswith(expected) and line.endswith("checkpoint at iteration 200")
