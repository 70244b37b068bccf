"""`benchmarks/run.py headline --quick`: the one-command benchmark writes records and tables."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_headline_quick_writes_records_and_rewrites_only_the_marked_block(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("before\n<!-- headline:start -->\nold\n<!-- headline:end -->\nafter\n")
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "headline",
            "--quick",
            "--tasks",
            "MG(0.9)",
            "--estimators",
            "dim",
            "--n",
            "200",
            "--results",
            str(tmp_path),
            "--write-docs",
            "--targets",
            str(page),
        ],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    record = json.loads((tmp_path / "headline_quick.json").read_text())
    for key in ("commit", "torch", "scikit-learn", "machine", "torch_threads"):
        assert key in record["environment"]
    assert {r["method"] for r in record["rows"]} == {"k-NN", "dim"}
    assert all(r["seconds"] > 0 and r["truth"] > 0 for r in record["rows"])
    text = page.read_text()
    assert text.startswith("before\n<!-- headline:start -->\n| task |")
    assert text.endswith("<!-- headline:end -->\nafter\n")
    assert "old" not in text and "| MG(0.9) | 0.408 |" in text
    assert (tmp_path / "headline_quick.md").read_text().startswith("| task |")
