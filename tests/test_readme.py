"""The README's commands and examples: the set-up commands CI and users copy, and every
Python block, run in order and checked against what it claims."""

import re
from pathlib import Path

import numpy as np
import pytest

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
CPU_WHEEL = "pip install torch --index-url https://download.pytorch.org/whl/cpu"
PYTHON_BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


def bash_commands() -> list[str]:
    """The lines of the README's ``bash`` code blocks, in order."""
    blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.DOTALL)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_main_commands_are_unchanged():
    commands = bash_commands()
    assert "pip install . && python -m skmine" in commands
    assert 'pip install -e ".[test]" && python -m pytest' in commands


def test_cpu_users_get_the_cpu_wheel_command_before_pip_install():
    # Without torch installed first, `pip install .` pulls the default (CUDA) build.
    commands = bash_commands()
    assert CPU_WHEEL in commands
    assert commands.index(CPU_WHEEL) < commands.index("pip install . && python -m skmine")


def check_mutual_info(ns):
    low, high = ns["result"].confidence_interval
    assert low <= ns["true_mi"] <= high
    assert abs(ns["result"].estimate - ns["true_mi"]) < 0.15 * ns["true_mi"]


def check_entropy(ns):
    # Two independent normals with standard deviation 2: log(2 pi e * 4) nats.
    truth = np.log(8 * np.pi * np.e)
    low, high = ns["result"].confidence_interval
    assert low <= truth <= high
    assert abs(ns["result"].estimate - truth) < 0.1


def check_select_k_best(ns):
    assert sorted(ns["selector"].get_support(indices=True)) == [0, 1]


def check_joint_selector(ns):
    assert sorted(ns["pipe"][0].get_support(indices=True)) == [0, 1]
    assert ns["pipe"].score(ns["X"], ns["y"]) > 0.9


CHECKS = [check_mutual_info, check_entropy, check_select_k_best, check_joint_selector]


def test_every_python_block_is_checked():
    assert len(PYTHON_BLOCKS) == len(CHECKS)


@pytest.fixture(scope="module")
def namespace():
    """One namespace for the blocks, which build on each other's imports and data."""
    return {"__name__": "readme"}


@pytest.mark.parametrize("index", range(len(CHECKS)), ids=[c.__name__ for c in CHECKS])
def test_python_block_runs_and_does_what_it_says(namespace, index, capsys):
    # Blocks run in order: a block's earlier neighbours have run (module-scoped namespace).
    for earlier in range(index + 1):
        if namespace.get("_ran", -1) < earlier:
            exec(compile(PYTHON_BLOCKS[earlier], f"README block {earlier + 1}", "exec"), namespace)
            namespace["_ran"] = earlier
    CHECKS[index](namespace)
