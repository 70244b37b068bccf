"""The README's install instructions: the commands CI and users copy."""

import re
from pathlib import Path

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
CPU_WHEEL = "pip install torch --index-url https://download.pytorch.org/whl/cpu"


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
    install = README[: README.index("## Command line")]
    assert "CPU-only wheel *before* either command below" in install
