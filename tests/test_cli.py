"""The command line: estimates on CSV files, feature ranking, and its error messages."""

import numpy as np
import pytest

from skmine.__main__ import main
from skmine.datasets import correlated_gaussians


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
    estimate = float(line.split()[-1])
    assert abs(estimate - truth) < 0.15 * truth
    assert "[" in err and "600/600 it" in err


def test_minee_prints_mi_and_entropies(csv_file, capsys):
    path, truth = csv_file
    argv = ["estimate", str(path), "--x", "a,b", "--y", "c,d", "--estimator", "minee"]
    assert main([*argv, "--max-iter", "600", "--no-progress"]) == 0
    values = dict(line.rsplit(maxsplit=1) for line in capsys.readouterr().out.splitlines()[1:])
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


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["estimate", "missing.csv", "--x", "a", "--y", "c"], "skmine: error: no such file: "),
        (
            ["estimate", "{path}", "--x", "a,zz", "--y", "c"],
            "skmine: error: unknown column(s): zz; the file has: a, b, c, d, noise, label",
        ),
        (
            ["estimate", "{path}", "--x", "a", "--y", "label"],
            "skmine: error: column 'label' is not numeric: value 'cat0' on data row 1",
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
    import skmine.__main__ as cli

    tiny = {"HG(0.5, 1), N=300": lambda s: correlated_gaussians(300, 0.5, 1, random_state=s)}
    monkeypatch.setattr(cli, "DEMO_TASKS", tiny)
    monkeypatch.setattr(
        cli, "demo_estimators", lambda seed: {"MINE": cli.ESTIMATORS["mine"](max_iter=50)}
    )
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "HG(0.5, 1), N=300" in out and "KSG (k=3)" in out
