"""Shared fixtures: offscreen Qt, the optional ../shared folder, temporary output."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("MASKLET_SHARED", ROOT.parent / "shared"))

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared (clips and SAM 2 reference data); skips the test when it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present (a user's clone); test needs reference data")
    return SHARED


@pytest.fixture(scope="session")
def sam2_reference(shared_dir: Path) -> Path:
    path = shared_dir / "sam2-reference"
    if not (path / "micro" / "checkpoint.pt").is_file():
        pytest.skip("../shared/sam2-reference/micro is not present")
    return path


@pytest.fixture(scope="session")
def clips_dir(shared_dir: Path) -> Path:
    path = shared_dir / "clips"
    if not path.is_dir():
        pytest.skip("../shared/clips is not present")
    return path
