"""Checks on checkpoint files: SHA-256, strict loading as their config, installed copies.

A *verifier* is any ``(path, checkpoint) -> None`` function that raises
:class:`VerificationError` when the file is not a usable checkpoint; the downloader takes one
as an argument so tests can use a tiny stand-in file.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from segmentation.weights.cache import read_record, write_record
from segmentation.weights.errors import VerificationError
from segmentation.weights.registry import Checkpoint

log = logging.getLogger(__name__)

Verifier = Callable[[Path, Checkpoint], None]


def sha256_file(path: Path, chunk_bytes: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk_bytes):
            digest.update(block)
    return digest.hexdigest()


def verify_loads(path: Path, checkpoint: Checkpoint) -> None:
    """Raise :class:`VerificationError` unless ``path`` loads strictly as the checkpoint's
    config (every key and shape). Uses our SAM 2 builder; before it exists, checks that the
    file is an official-format ``{"model": state_dict}`` with the right number of tensors."""
    try:
        from segmentation.sam2 import load_sam2  # lazy: torch is heavy
    except ImportError:
        load_sam2 = None
    if load_sam2 is not None:
        try:
            load_sam2(path, config=checkpoint.config)
        except Exception as exc:  # any failure to load means the file is unusable
            raise VerificationError(
                f"{path}: does not load as {checkpoint.config}: {exc}") from None
        return
    _check_state_dict_size(path, checkpoint)


def _check_state_dict_size(path: Path, checkpoint: Checkpoint) -> None:
    import torch

    try:
        data = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception as exc:  # truncated / not a torch file
        raise VerificationError(f"{path}: not a readable checkpoint ({exc})") from None
    state = data.get("model") if isinstance(data, dict) else None
    if not isinstance(state, dict) or len(state) != checkpoint.num_tensors:
        count = len(state) if isinstance(state, dict) else 0
        raise VerificationError(f"{path}: expected {checkpoint.num_tensors} tensors of "
                                f"{checkpoint.config} under 'model', found {count}")


@dataclass(frozen=True)
class VerifyReport:
    """Outcome of checking one installed checkpoint.

    ``status``: ``ok`` (matches its record), ``recorded`` (had no record; it loads, so its
    SHA-256 was recorded now), ``missing`` (not installed), ``mismatch`` (size or SHA-256
    differ from the record: the file changed or is corrupt) or ``bad`` (had no record and
    does not load; ``detail`` says why, nothing is recorded).
    """

    name: str
    path: Path
    status: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "recorded", "missing")


def verify_installed(checkpoint: Checkpoint, folder: Path,
                     verifier: Verifier = verify_loads) -> VerifyReport:
    """Check ``folder/<file>`` against its recorded size and SHA-256, or, without a record,
    with ``verifier`` (see :class:`VerifyReport`); never raises for a bad file."""
    path = folder / checkpoint.file_name
    if not path.is_file():
        return VerifyReport(checkpoint.name, path, "missing", "not installed")
    record = read_record(path)
    if record is None:
        try:
            verifier(path, checkpoint)
        except VerificationError as exc:
            return VerifyReport(checkpoint.name, path, "bad", str(exc))
        digest = sha256_file(path)
        write_record(path, checkpoint.name, digest, checkpoint.url)
        return VerifyReport(checkpoint.name, path, "recorded", f"sha256 {digest}")
    size = path.stat().st_size
    if size != record.size_bytes:
        return VerifyReport(checkpoint.name, path, "mismatch",
                            f"size {size} bytes, recorded {record.size_bytes}")
    digest = sha256_file(path)
    if digest != record.sha256:
        return VerifyReport(checkpoint.name, path, "mismatch",
                            f"sha256 {digest}, recorded {record.sha256}")
    return VerifyReport(checkpoint.name, path, "ok", f"sha256 {digest}")
