"""SAM 2 weights: registry of the official checkpoints, cache folder, download, verification."""

from segmentation.weights.cache import ENV_MODELS_DIR, ChecksumRecord, models_dir, read_record
from segmentation.weights.download import DownloadProgress, download_checkpoint
from segmentation.weights.errors import (
    DiskFullError,
    DownloadError,
    UnknownModelError,
    VerificationError,
    WeightsError,
)
from segmentation.weights.registry import (
    CHECKPOINTS,
    Checkpoint,
    get_checkpoint,
)
from segmentation.weights.verify import VerifyReport, sha256_file, verify_installed, verify_loads

__all__ = [
    "CHECKPOINTS", "ENV_MODELS_DIR", "Checkpoint", "ChecksumRecord",
    "DiskFullError", "DownloadError", "DownloadProgress", "UnknownModelError",
    "VerificationError", "VerifyReport", "WeightsError", "download_checkpoint",
    "get_checkpoint", "models_dir", "read_record", "sha256_file", "verify_installed",
    "verify_loads",
]
