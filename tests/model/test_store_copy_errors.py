"""A masks copy that fails part-way (a full disk) says what failed — never "(None)"."""

from __future__ import annotations

import errno
import os
import shutil

import numpy as np
import pytest

from editor.model.errors import StoreError, os_error_text
from editor.model.store import MaskletStore


def full_disk_error(source: str, destination: str) -> shutil.Error:
    """What ``shutil.copytree`` raises when files fail: strerror None, one tuple per file."""
    reason = f"[Errno {errno.ENOSPC}] {os.strerror(errno.ENOSPC)}: '{destination}'"
    return shutil.Error([(source, destination, reason), (source + "2", destination + "2",
                                                         reason)])


def test_os_error_text_of_a_copy_error_names_the_reason_and_the_file():
    text = os_error_text(full_disk_error("/a/00001.png", "/b/00001.png"))
    assert os.strerror(errno.ENOSPC) in text and "/a/00001.png" in text
    assert "1 more" in text and "None" not in text
    assert os_error_text(OSError(errno.EACCES, "Permission denied")) == "Permission denied"
    assert os_error_text(OSError("plain message")) == "plain message"


def test_a_partial_copy_on_a_full_disk_says_what_failed(tmp_path, monkeypatch):
    store = MaskletStore(tmp_path / "a")
    store.write_alpha(1, 0, np.full((8, 8), 255, np.uint8), 1.0)
    store.flush()

    def copy_fails(src, dst, *args, **kwargs):
        raise full_disk_error(str(src), str(dst))

    monkeypatch.setattr(shutil, "copytree", copy_fails)
    with pytest.raises(StoreError) as info:
        store.relocate(tmp_path / "b")
    message = str(info.value)
    assert "(None)" not in message and os.strerror(errno.ENOSPC) in message
    assert str(tmp_path / "b") in message
    assert not (tmp_path / "b").exists() and store.root == tmp_path / "a"
