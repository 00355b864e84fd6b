"""Downloads against a local HTTP server on 127.0.0.1 (no internet): full, resumed, cut,
404, checksum mismatch, bad file, disk full, network failure."""

from __future__ import annotations

import errno
import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from segmentation.weights import (
    Checkpoint,
    DiskFullError,
    DownloadError,
    VerificationError,
    download_checkpoint,
    read_record,
)
from segmentation.weights import download as download_module

CKPT = Checkpoint("sam2.1_hiera_tiny", "sam2.1_hiera_t", "http://unused/", 10, 2)
MAGIC = b"MASKLET-TEST-CHECKPOINT\n"


def make_payload(size: int = 300_000) -> bytes:
    body = bytes((i * 7919) % 251 for i in range(size - len(MAGIC)))
    return MAGIC + body


def magic_verifier(path: Path, checkpoint: Checkpoint) -> None:
    """Stand-in for "loads strictly as its config": the tiny file starts with MAGIC."""
    with open(path, "rb") as fh:
        if fh.read(len(MAGIC)) != MAGIC:
            raise VerificationError(f"{path}: does not load as {checkpoint.config}")


class FileServer:
    """Serves ``files[path]`` with Range support; ``cut_after[path]`` bytes then closes once."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.cut_after: dict[str, int] = {}
        self.ranges: list[str | None] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                server.ranges.append(self.headers.get("Range"))
                data = server.files.get(self.path)
                if data is None:
                    self.send_error(404, "Not Found")
                    return
                start = 0
                rng = self.headers.get("Range")
                if rng:
                    start = int(rng.split("=")[1].split("-")[0])
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                self.send_header("Content-Length", str(len(data) - start))
                self.end_headers()
                cut = server.cut_after.pop(self.path, None)
                end = len(data) if cut is None else cut
                self.wfile.write(data[start:end])
                if cut is not None:
                    self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"


@pytest.fixture()
def server():
    srv = FileServer()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def fetch(server: FileServer, folder: Path, path: str = "/ckpt.pt", **kw) -> Path:
    return download_checkpoint(CKPT, folder=folder, url=server.url(path),
                               verifier=magic_verifier, timeout_s=5.0, **kw)


def test_full_download_records_sha256_and_reports_progress(server, tmp_path):
    payload = make_payload()
    server.files["/ckpt.pt"] = payload
    seen = []
    path = fetch(server, tmp_path, progress=seen.append)
    assert path == tmp_path / "sam2.1_hiera_tiny.pt"
    assert path.read_bytes() == payload
    assert not (tmp_path / "sam2.1_hiera_tiny.pt.part").exists()
    record = read_record(path)
    assert record.sha256 == hashlib.sha256(payload).hexdigest()
    assert record.size_bytes == len(payload)
    assert json.loads((tmp_path / "sam2.1_hiera_tiny.pt.json").read_text())["name"] == CKPT.name
    assert seen[-1].done_bytes == seen[-1].total_bytes == len(payload)
    assert all(a.done_bytes < b.done_bytes for a, b in zip(seen, seen[1:]))


def test_server_closing_mid_stream_keeps_the_partial_file(server, tmp_path):
    payload = make_payload()
    server.files["/ckpt.pt"] = payload
    server.cut_after["/ckpt.pt"] = 100_000
    with pytest.raises(DownloadError, match="resume"):
        fetch(server, tmp_path)
    part = tmp_path / "sam2.1_hiera_tiny.pt.part"
    assert part.read_bytes() == payload[:100_000]
    assert not (tmp_path / "sam2.1_hiera_tiny.pt").exists()


def test_resume_after_an_interrupted_transfer_uses_http_range(server, tmp_path):
    payload = make_payload()
    server.files["/ckpt.pt"] = payload
    server.cut_after["/ckpt.pt"] = 123_456
    with pytest.raises(DownloadError):
        fetch(server, tmp_path)
    path = fetch(server, tmp_path)
    assert server.ranges == [None, "bytes=123456-"]
    assert path.read_bytes() == payload
    assert read_record(path).sha256 == hashlib.sha256(payload).hexdigest()


def test_http_404_is_a_clear_error_and_leaves_nothing(server, tmp_path):
    with pytest.raises(DownloadError, match="HTTP 404"):
        fetch(server, tmp_path, path="/missing.pt")
    assert list(tmp_path.iterdir()) == []


def test_checksum_mismatch_with_the_recorded_copy_removes_the_download(server, tmp_path):
    payload = make_payload()
    server.files["/ckpt.pt"] = payload
    path = fetch(server, tmp_path)
    path.unlink()  # the user deletes the weights; the record of the good copy stays
    server.files["/ckpt.pt"] = MAGIC + b"tampered" + payload[len(MAGIC) + 8:]
    with pytest.raises(VerificationError, match="SHA-256"):
        fetch(server, tmp_path)
    assert not path.exists()
    assert not (tmp_path / "sam2.1_hiera_tiny.pt.part").exists()


def test_a_file_that_does_not_load_is_removed(server, tmp_path):
    server.files["/ckpt.pt"] = b"<html>not a checkpoint</html>" * 100
    with pytest.raises(VerificationError, match="removed"):
        fetch(server, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_network_failure_is_a_clear_error(tmp_path):
    with pytest.raises(DownloadError, match="network error"):
        download_checkpoint(CKPT, folder=tmp_path, url="http://127.0.0.1:9/ckpt.pt",
                            verifier=magic_verifier, timeout_s=2.0)


def test_disk_full_keeps_the_partial_file(server, tmp_path, monkeypatch):
    server.files["/ckpt.pt"] = make_payload()
    real_open = open

    class FullDisk:
        """A file whose third write fails with ENOSPC."""

        def __init__(self, fh) -> None:
            self.fh, self.writes = fh, 0

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def __getattr__(self, name):
            return getattr(self.fh, name)

        def write(self, data):
            self.writes += 1
            if self.writes > 2:
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.fh.write(data)

    def fake_open(path, mode="r", *args, **kwargs):
        fh = real_open(path, mode, *args, **kwargs)
        return FullDisk(fh) if "b" in mode and ("w" in mode or "+" in mode) else fh

    monkeypatch.setattr(download_module, "CHUNK_BYTES", 16_384)
    monkeypatch.setattr(download_module, "open", fake_open, raising=False)
    with pytest.raises(DiskFullError, match="disk full"):
        fetch(server, tmp_path)
    assert (tmp_path / "sam2.1_hiera_tiny.pt.part").stat().st_size > 0
    assert not (tmp_path / "sam2.1_hiera_tiny.pt").exists()


def test_a_replacement_keeps_the_old_file_until_the_new_one_is_verified(server, tmp_path):
    """``models download --force``: a cut transfer or a download that fails verification
    leaves the installed file as it was; a complete, verified one replaces it."""
    installed = tmp_path / "sam2.1_hiera_tiny.pt"
    installed.write_bytes(b"old, bad copy")
    payload = make_payload()
    server.files["/ckpt.pt"] = payload
    server.cut_after["/ckpt.pt"] = 50_000
    with pytest.raises(DownloadError):
        fetch(server, tmp_path)
    assert installed.read_bytes() == b"old, bad copy"
    server.files["/bad.pt"] = b"<html>not a checkpoint</html>" * 100
    (tmp_path / "sam2.1_hiera_tiny.pt.part").unlink()
    with pytest.raises(VerificationError):
        fetch(server, tmp_path, path="/bad.pt")
    assert installed.read_bytes() == b"old, bad copy"
    assert fetch(server, tmp_path) == installed
    assert installed.read_bytes() == payload
    assert read_record(installed).sha256 == hashlib.sha256(payload).hexdigest()
