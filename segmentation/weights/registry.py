"""The 16 official checkpoints: 8 SAM 2 / SAM 2.1 (Meta) and 8 EfficientTAM (yformer).

Facts (our own data): file names and URLs as in the official repositories' download scripts
(SAM 2: ``checkpoints/download_ckpts.sh``, SAM 2.1 ``.../092824/``, SAM 2.0 ``.../072824/``;
EfficientTAM: ``checkpoints/download_checkpoints.sh``, the Hugging Face repository its README
links), the config each loads with, parameter counts and the number of state-dict tensors (see
``../shared/sam2-reference/README.md`` and ``tests/segmentation/efficienttam_reference/``).
Both projects license code and checkpoints under Apache-2.0. Sizes are approximate (float32
weights): neither publishes checksums, so the exact size comes from the server's
Content-Length.
"""

from __future__ import annotations

from dataclasses import dataclass

from segmentation.weights.errors import UnknownModelError

BASE_URL_2_1 = "https://dl.fbaipublicfiles.com/segment_anything_2/092824/"
BASE_URL_2_0 = "https://dl.fbaipublicfiles.com/segment_anything_2/072824/"
BASE_URL_EFFICIENTTAM = "https://huggingface.co/yunyangx/efficient-track-anything/resolve/main/"


@dataclass(frozen=True)
class Checkpoint:
    """One official checkpoint.

    Attributes:
        name: registry name, e.g. ``sam2.1_hiera_tiny`` (also the file stem).
        config: the model configuration it loads with, e.g. ``sam2.1_hiera_t``.
        url: official download URL.
        num_parameters: trainable parameters.
        num_tensors: tensors in the checkpoint's ``["model"]`` state dict.
        licence: SPDX identifier of the weights' licence.
        family: ``"SAM 2"`` or ``"EfficientTAM"`` (for listings and the About box).
    """

    name: str
    config: str
    url: str
    num_parameters: int
    num_tensors: int
    licence: str = "Apache-2.0"
    family: str = "SAM 2"

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


def _efficienttam(name: str, params: int) -> Checkpoint:
    """File stem = config name (loading tells the variants of one size apart by it)."""
    return Checkpoint(name, name, f"{BASE_URL_EFFICIENTTAM}{name}.pt", params, 455,
                      family="EfficientTAM")


_TI, _S = 17_866_018, 34_055_842

CHECKPOINTS: tuple[Checkpoint, ...] = (
    _entry("2.1", "tiny", "t", 38_962_498, 471),
    _entry("2.1", "small", "s", 46_060_354, 519),
    _entry("2.1", "base_plus", "b+", 80_850_178, 615),
    _entry("2.1", "large", "l", 224_446_642, 903),
    _entry("2.0", "tiny", "t", 38_945_986, 468),
    _entry("2.0", "small", "s", 46_043_842, 516),
    _entry("2.0", "base_plus", "b+", 80_833_666, 612),
    _entry("2.0", "large", "l", 224_430_130, 900),
    _efficienttam("efficienttam_ti", _TI),
    _efficienttam("efficienttam_ti_512x512", _TI),
    _efficienttam("efficienttam_ti_1", _TI),
    _efficienttam("efficienttam_ti_2", _TI),
    _efficienttam("efficienttam_s", _S),
    _efficienttam("efficienttam_s_512x512", _S),
    _efficienttam("efficienttam_s_1", _S),
    _efficienttam("efficienttam_s_2", _S),
)



def get_checkpoint(name: str) -> Checkpoint:
    """The registry entry called ``name`` (also accepts the file name or the config name)."""
    for ckpt in CHECKPOINTS:
        if name in (ckpt.name, ckpt.file_name, ckpt.config):
            return ckpt
    names = ", ".join(c.name for c in CHECKPOINTS)
    raise UnknownModelError(f"unknown model {name!r}; choose one of: {names}")
