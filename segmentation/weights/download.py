"""Download an official checkpoint into the cache: progress, resume, verification, atomic finish.

The transfer goes to ``NAME.pt.part``; a second call resumes it with an HTTP Range request.
The file is accepted only when its size equals the server's Content-Length, it passes the
verifier (loads strictly as its config) and, if an earlier copy was recorded, its SHA-256
matches that record; then it is renamed to ``NAME.pt`` and its SHA-256 is recorded.
Network failures and full disks keep the partial file for the next attempt; a complete file
that fails verification is removed.
"""

from __future__ import annotations

import errno
import http.client
import logging
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from segmentation.weights.cache import models_dir, part_path, read_record, write_record
from segmentation.weights.errors import DiskFullError, DownloadError, VerificationError
from segmentation.weights.registry import Checkpoint, get_checkpoint
from segmentation.weights.verify import Verifier, sha256_file, verify_loads

log = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class DownloadProgress:
    """Progress of one download: bytes on disk, expected total (None if unknown) and the
    transfer speed in bytes/s since this attempt started."""

    done_bytes: int
    total_bytes: int | None
    speed_bps: float

    @property
    def eta_s(self) -> float | None:
        if not self.total_bytes or self.speed_bps <= 0:
            return None
        return (self.total_bytes - self.done_bytes) / self.speed_bps


ProgressCallback = Callable[[DownloadProgress], None]


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def _open(url: str, offset: int, timeout_s: float) -> tuple[http.client.HTTPResponse, int, int]:
    """Open ``url`` from byte ``offset``; returns (response, start offset, total bytes)."""
    request = urllib.request.Request(url, headers={"User-Agent": "masklet"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout_s)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:  # partial is complete or stale: start over
            exc.close()
            return _open(url, 0, timeout_s)
        raise DownloadError(f"{url}: HTTP {exc.code} {exc.reason}; check the model name or "
                            "try again later") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(f"{url}: network error ({reason}); check the connection and run "
                            "the command again (the download resumes)") from None
    if response.status == 206:
        match = re.match(r"bytes (\d+)-\d+/(\d+)", response.headers.get("Content-Range", ""))
        if match and int(match.group(1)) == offset:
            return response, offset, int(match.group(2))
        response.close()
        return _open(url, 0, timeout_s)
    length = response.headers.get("Content-Length")
    return response, 0, int(length) if length else -1


def _stream(response, part: Path, start: int, total: int,
            progress: ProgressCallback | None, url: str) -> int:
    """Append the response body to ``part``; returns the bytes on disk."""
    done = start
    began = time.monotonic()
    try:
        with open(part, "r+b" if start else "wb") as fh:
            fh.truncate(start)
            fh.seek(start)
            while True:
                try:
                    block = response.read(CHUNK_BYTES)
                except (TimeoutError, http.client.IncompleteRead, ConnectionError) as exc:
                    raise DownloadError(
                        f"{url}: connection lost after {_mb(done)} ({exc.__class__.__name__}); "
                        f"run the command again to resume ({part} kept)") from None
                if not block:
                    break
                fh.write(block)
                done += len(block)
                if progress is not None:
                    elapsed = max(time.monotonic() - began, 1e-6)
                    progress(DownloadProgress(done, total if total >= 0 else None,
                                              (done - start) / elapsed))
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise DiskFullError(f"{part}: disk full after {_mb(done)}; free space in "
                                f"{part.parent} (or set MASKLET_MODELS_DIR) and run the command "
                                "again to resume") from None
        raise DownloadError(f"{part}: cannot write the download ({exc.strerror or exc}); "
                            "set MASKLET_MODELS_DIR to a folder you can write to") from None
    finally:
        response.close()
    return done


def _accept(part: Path, target: Path, ckpt: Checkpoint, verifier: Verifier, url: str) -> Path:
    """Verify a complete ``part``, rename it to ``target`` and record its SHA-256."""
    try:
        verifier(part, ckpt)
    except VerificationError as exc:
        part.unlink(missing_ok=True)
        raise VerificationError(f"{exc} — the downloaded file was removed; run the command "
                                "again") from None
    digest = sha256_file(part)
    record = read_record(target)
    if record is not None and record.sha256 != digest:
        part.unlink(missing_ok=True)
        raise VerificationError(
            f"{target}: SHA-256 {digest[:12]}… differs from the recorded {record.sha256[:12]}…; "
            f"the download was removed. Delete {target.name}.json if the file really changed "
            "upstream, then run the command again")
    part.replace(target)
    write_record(target, ckpt.name, digest, url)
    return target


def download_checkpoint(
    name: str | Checkpoint,
    folder: Path | None = None,
    progress: ProgressCallback | None = None,
    verifier: Verifier = verify_loads,
    url: str | None = None,
    timeout_s: float = 30.0,
) -> Path:
    """Download a checkpoint into ``folder`` (default: :func:`models_dir`); returns its path.

    Args:
        name: registry name (``sam2.1_hiera_tiny``) or a :class:`Checkpoint`.
        progress: called after every chunk with a :class:`DownloadProgress`.
        verifier: ``(path, checkpoint) -> None``, raises :class:`VerificationError`.
        url: another URL for the same file (a mirror; the tests' local server).
        timeout_s: socket timeout of each network operation.
    """
    ckpt = name if isinstance(name, Checkpoint) else get_checkpoint(name)
    url = url or ckpt.url
    folder = Path(folder) if folder is not None else models_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DownloadError(f"{folder}: cannot create the models folder "
                            f"({exc.strerror or exc}); set MASKLET_MODELS_DIR to a folder you "
                            "can write to") from None
    target = folder / ckpt.file_name
    part = part_path(target)
    offset = part.stat().st_size if part.is_file() else 0
    response, start, total = _open(url, offset, timeout_s)
    if start:
        log.info("resuming %s at %s", part, _mb(start))
    done = _stream(response, part, start, total, progress, url)
    if total >= 0 and done != total:
        if done > total:
            part.unlink(missing_ok=True)
            raise VerificationError(f"{url}: received {done} bytes but the server announced "
                                    f"{total}; the download was removed, run the command again")
        raise DownloadError(f"{url}: connection closed after {_mb(done)} of {_mb(total)}; run "
                            f"the command again to resume ({part} kept)")
    return _accept(part, target, ckpt, verifier, url)
