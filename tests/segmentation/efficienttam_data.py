"""Where the EfficientTAM reference data lives (committed under tests/, made by the official
code: see efficienttam_reference/README.md). Missing data fails the tests; it never skips."""

from __future__ import annotations

from pathlib import Path

REFERENCE = Path(__file__).resolve().parent / "efficienttam_reference"
MICRO = REFERENCE / "micro"
VARIANTS = ("plain", "pooled1", "pooled2")


def reference_file(*parts: str) -> Path:
    """A file of the reference data; AssertionError naming it when it is missing."""
    path = REFERENCE.joinpath(*parts)
    assert path.is_file(), (f"{path} is missing: the EfficientTAM reference data is part of "
                            "the repository (see tests/segmentation/efficienttam_reference/)")
    return path
