"""The package layering of DESIGN.md is enforced by import-linter contracts in pyproject.toml."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    # lint-imports reads [tool.importlinter] from pyproject.toml in the working directory.
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports;"
         "sys.exit(lint_imports(no_cache=True))"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


def test_contracts_cover_the_design_rules():
    text = (ROOT / "pyproject.toml").read_text()
    for needle in ('source_modules = ["segmentation"]', 'source_modules = ["rendering"]',
                   'source_modules = ["editor.model"]', '"PySide6"', '"torch"'):
        assert needle in text
