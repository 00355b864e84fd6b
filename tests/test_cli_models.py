"""``masklet models list|download|verify`` with a temporary models folder (no internet)."""

from __future__ import annotations

import pytest

import main
import segmentation.weights as weights
from segmentation.weights.cache import write_record
from segmentation.weights.verify import sha256_file


@pytest.fixture()
def models(tmp_path, monkeypatch):
    folder = tmp_path / "models"
    monkeypatch.setenv("MASKLET_MODELS_DIR", str(folder))
    return folder


def test_list_shows_all_checkpoints_and_what_is_installed(models, capsys):
    models.mkdir()
    (models / "sam2.1_hiera_small.pt").write_bytes(b"x" * 2_000_000)
    assert main.main(["models", "list"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("sam2")]
    assert len(rows) == 8
    small = next(r for r in rows if r.startswith("sam2.1_hiera_small "))
    assert " yes " in small and str(models / "sam2.1_hiera_small.pt") in small and "2 MB" in small
    tiny = next(r for r in rows if r.startswith("sam2.1_hiera_tiny "))
    assert tiny.rstrip().endswith("no") and "156 MB" in tiny


def test_list_columns_fit_the_efficienttam_names(models, capsys):
    """The 23-character EfficientTAM names and configs keep every column apart and aligned."""
    assert main.main(["models", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if line.startswith("name "))
    rows = [line for line in lines if line.startswith("efficienttam")]
    assert len(rows) == 8
    config_at, size_end = header.index("config"), header.index("size") + len("size")
    for row in rows:
        name, config, size, unit, installed = row.split()
        assert name == config and row.index(config, len(name)) == config_at
        assert row[size_end - len(unit) - 1 - len(size):size_end] == f"{size} {unit}"
        assert installed == "no"
    longest = next(r for r in rows if r.startswith("efficienttam_ti_512x512 "))
    assert "136 MB" not in longest and "72 MB" in longest  # Ti: 17.9 M parameters


def test_verify_ok_then_mismatch(models, capsys):
    models.mkdir()
    path = models / "sam2_hiera_tiny.pt"
    path.write_bytes(b"weights" * 100)
    write_record(path, "sam2_hiera_tiny", sha256_file(path), "http://x")
    assert main.main(["models", "verify"]) == 0
    assert "sam2_hiera_tiny         ok" in capsys.readouterr().out
    path.write_bytes(b"Weights" * 100)
    assert main.main(["models", "verify", "sam2_hiera_tiny"]) == 1
    out = capsys.readouterr().out
    assert "mismatch" in out and "models download sam2_hiera_tiny" in out


def test_verify_a_named_model_that_is_missing_fails(models, capsys):
    assert main.main(["models", "verify", "sam2.1_hiera_large"]) == 1
    assert "missing" in capsys.readouterr().out


def test_verify_reports_every_bad_file_and_names_the_command_that_replaces_it(models, capsys):
    models.mkdir()
    (models / "sam2.1_hiera_tiny.pt").write_bytes(b"not a checkpoint")  # no record
    (models / "sam2.1_hiera_small.pt").write_bytes(b"not one either")  # no record
    changed = models / "sam2_hiera_tiny.pt"
    changed.write_bytes(b"weights" * 100)
    write_record(changed, "sam2_hiera_tiny", sha256_file(changed), "http://x")
    changed.write_bytes(b"Weights" * 100)
    assert main.main(["models", "verify"]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    out = captured.out
    for name, status in (("sam2.1_hiera_tiny", "bad"), ("sam2.1_hiera_small", "bad"),
                         ("sam2_hiera_tiny", "mismatch")):
        row = next(line for line in out.splitlines() if line.startswith(name + " "))
        assert row.split()[1] == status, row
        assert f"python main.py models download {name} --force" in out
    assert "sam2.1_hiera_tiny.pt" in out
    assert not (models / "sam2.1_hiera_tiny.pt.json").exists()  # a bad file is not recorded


def test_download_reports_progress_and_installs(models, monkeypatch, capsys):
    def fake_download(ckpt, progress=None, **kwargs):
        models.mkdir(parents=True, exist_ok=True)
        for done in (0, 80_000_000, 156_000_000):
            progress(weights.DownloadProgress(done, 156_000_000, 2e6))
        path = models / ckpt.file_name
        path.write_bytes(b"w")
        return path

    monkeypatch.setattr(weights, "download_checkpoint", fake_download)
    assert main.main(["models", "download", "sam2.1_hiera_tiny"]) == 0
    captured = capsys.readouterr()
    assert "installed sam2.1_hiera_tiny" in captured.out
    assert "156 MB / 156 MB" in captured.err and "2.0 MB/s" in captured.err
    assert main.main(["models", "download", "sam2.1_hiera_tiny"]) == 0
    assert "already installed" in capsys.readouterr().out


def test_download_unknown_name_is_a_user_error(models, capsys):
    assert main.main(["models", "download", "sam9"]) == 2
    assert "choose one of" in capsys.readouterr().err


def test_download_force_replaces_a_bad_file_and_verify_then_passes(models, monkeypatch, capsys):
    """The loop the issue reports: verify says "download it again", download says "already
    installed". ``--force`` downloads over the bad file (from a local server here)."""
    import functools

    from tests.segmentation.test_weights_download import FileServer, magic_verifier, make_payload

    models.mkdir()
    bad = models / "sam2.1_hiera_tiny.pt"
    bad.write_bytes(b"truncated")
    assert main.main(["models", "verify", "sam2.1_hiera_tiny"]) == 1
    assert "models download sam2.1_hiera_tiny --force" in capsys.readouterr().out
    assert main.main(["models", "download", "sam2.1_hiera_tiny"]) == 0
    out = capsys.readouterr().out
    assert "already installed" in out and "models download sam2.1_hiera_tiny --force" in out
    assert bad.read_bytes() == b"truncated"

    server = FileServer()
    server.thread.start()
    try:
        payload = make_payload()
        server.files["/ckpt.pt"] = payload
        monkeypatch.setattr(weights, "download_checkpoint", functools.partial(
            weights.download_checkpoint, url=server.url("/ckpt.pt"), verifier=magic_verifier,
            timeout_s=5.0))
        assert main.main(["models", "download", "sam2.1_hiera_tiny", "--force"]) == 0
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
    assert "installed sam2.1_hiera_tiny" in capsys.readouterr().out
    assert bad.read_bytes() == payload
    assert main.main(["models", "verify", "sam2.1_hiera_tiny"]) == 0
    assert "sam2.1_hiera_tiny       ok" in capsys.readouterr().out


def test_download_into_a_models_folder_that_cannot_be_made_is_one_line(tmp_path, monkeypatch,
                                                                       capsys):
    blocker = tmp_path / "models"
    blocker.write_bytes(b"a file where the folder should be")
    monkeypatch.setenv("MASKLET_MODELS_DIR", str(blocker))
    assert main.main(["models", "download", "sam2.1_hiera_tiny"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines[-1].startswith("masklet: error: ") and str(blocker) in lines[-1]
    assert "MASKLET_MODELS_DIR" in lines[-1]
