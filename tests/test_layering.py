"""The package layering of DESIGN.md is enforced by import-linter contracts in pyproject.toml:
segmentation and rendering below; in editor/, the Qt window and the CLI (neither imports the
other) over the Qt-free application layer (editor.app) over the document model."""

import subprocess
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
#: editor/ modules outside the window: the front end "cli", the layers below, Qt-free leaves
NOT_WINDOW = {"__init__", "cli", "app", "model", "version"}


def _contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return {c["name"]: c for c in config["contracts"]}


def test_import_contracts_hold():
    # lint-imports reads [tool.importlinter] from pyproject.toml in the working directory.
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports;"
         "sys.exit(lint_imports(no_cache=True))"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(_contracts())} kept, 0 broken." in result.stdout


def test_contracts_cover_the_design_rules():
    contracts = list(_contracts().values())
    forbidden = {tuple(c["source_modules"]): set(c["forbidden_modules"])
                 for c in contracts if c["type"] == "forbidden"}
    assert {"PySide6", "rendering", "editor"} <= forbidden[("segmentation",)]
    assert {"PySide6", "torch", "segmentation", "editor"} <= forbidden[("rendering",)]
    below_window = forbidden[("editor.cli", "editor.app", "editor.model")]
    assert "PySide6" in below_window
    layers = [c["layers"] for c in contracts if c["type"] == "layers"]
    assert ["editor.cli", "editor.app", "editor.model"] in layers
    # the window: every other editor module, none of which imports the CLI
    window = {m.removesuffix(".py") for m in
              (p.name for p in (ROOT / "editor").iterdir())
              if m.endswith(".py") or (ROOT / "editor" / m / "__init__.py").exists()}
    window = {f"editor.{m}" for m in window - NOT_WINDOW}
    assert window <= below_window, f"add to the window's list: {window - below_window}"
    window_sources = [set(src) for src, banned in forbidden.items() if banned == {"editor.cli"}]
    assert window_sources == [window]
