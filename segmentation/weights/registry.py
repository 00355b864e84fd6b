"""The 8 official SAM 2 / SAM 2.1 checkpoints published by Meta.

Facts (our own data): file names and URLs as in the official repository's
``checkpoints/download_ckpts.sh`` (SAM 2.1: ``.../092824/``, SAM 2.0: ``.../072824/``), the
config each loads with, parameter counts and the number of state-dict tensors (see
``../shared/sam2-reference/README.md``). Sizes are approximate (float32 weights): Meta
publishes no checksums, so the exact size comes from the server's Content-Length.
"""

from __future__ import annotations

from dataclasses import dataclass

from segmentation.weights.errors import UnknownModelError

BASE_URL_2_1 = "https://dl.fbaipublicfiles.com/segment_anything_2/092824/"
BASE_URL_2_0 = "https://dl.fbaipublicfiles.com/segment_anything_2/072824/"


@dataclass(frozen=True)
class Checkpoint:
    """One official checkpoint.

    Attributes:
        name: registry name, e.g. ``sam2.1_hiera_tiny`` (also the file stem).
        config: the model configuration it loads with, e.g. ``sam2.1_hiera_t``.
        url: official download URL.
        num_parameters: trainable parameters.
        num_tensors: tensors in the checkpoint's ``["model"]`` state dict.
    """

    name: str
    config: str
    url: str
    num_parameters: int
    num_tensors: int

    @property
    def file_name(self) -> str:
        return f"{self.name}.pt"

    @property
    def approx_size_bytes(self) -> int:
        """About 4 bytes per float32 value plus the pickle's overhead."""
        return int(self.num_parameters * 4 * 1.0015)


def _entry(version: str, size: str, short: str, params: int, tensors: int) -> Checkpoint:
    prefix = "sam2.1" if version == "2.1" else "sam2"
    base = BASE_URL_2_1 if version == "2.1" else BASE_URL_2_0
    name = f"{prefix}_hiera_{size}"
    return Checkpoint(name, f"{prefix}_hiera_{short}", f"{base}{name}.pt", params, tensors)


CHECKPOINTS: tuple[Checkpoint, ...] = (
    _entry("2.1", "tiny", "t", 38_962_498, 471),
    _entry("2.1", "small", "s", 46_060_354, 519),
    _entry("2.1", "base_plus", "b+", 80_850_178, 615),
    _entry("2.1", "large", "l", 224_446_642, 903),
    _entry("2.0", "tiny", "t", 38_945_986, 468),
    _entry("2.0", "small", "s", 46_043_842, 516),
    _entry("2.0", "base_plus", "b+", 80_833_666, 612),
    _entry("2.0", "large", "l", 224_430_130, 900),
)

#: What the CLI suggests when no weights are installed.
DEFAULT_CHECKPOINT = "sam2.1_hiera_tiny"


def get_checkpoint(name: str) -> Checkpoint:
    """The registry entry called ``name`` (also accepts the file name or the config name)."""
    for ckpt in CHECKPOINTS:
        if name in (ckpt.name, ckpt.file_name, ckpt.config):
            return ckpt
    names = ", ".join(c.name for c in CHECKPOINTS)
    raise UnknownModelError(f"unknown model {name!r}; choose one of: {names}")
