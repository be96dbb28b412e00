"""Remembered input hashes (archive.filehashes): vouched for only while the file's stat is the same and old enough."""

from __future__ import annotations

import hashlib
import os

import pytest

from archive.errors import BuildError
from archive.filehashes import RACY_NS, FileHashes
from archive.sources import checked_source, hashed_source


def _age(path, seconds: float) -> None:
    then = os.stat(path).st_mtime_ns - int(seconds * 1e9)
    os.utime(path, ns=(then, then))


def test_an_old_unchanged_file_is_not_read_again(tmp_path):
    source = tmp_path / "index.md"
    source.write_bytes(b"---\ntitle: x\n---\n")
    _age(source, 10)
    first = FileHashes(tmp_path / "cache")
    (tmp_path / "cache").mkdir()
    sha, data, _ = hashed_source(source, "index.md", first)
    assert data == source.read_bytes() and sha == hashlib.sha256(data).hexdigest()
    first.save({str(source)})
    again = FileHashes(tmp_path / "cache")
    assert hashed_source(source, "index.md", again) == (sha, None, [])  # the hash, without the bytes


def test_a_file_modified_near_the_recording_is_read_again(tmp_path):
    (tmp_path / "cache").mkdir()
    source = tmp_path / "index.md"
    source.write_bytes(b"one")
    hashes = FileHashes(tmp_path / "cache")
    hashed_source(source, "index.md", hashes)
    hashes.save({str(source)})
    assert FileHashes(tmp_path / "cache").get(str(source), os.stat(source)) is None  # within RACY_NS
    assert RACY_NS == 2_000_000_000


def test_any_change_of_size_time_or_inode_reads_the_file(tmp_path):
    (tmp_path / "cache").mkdir()
    source = tmp_path / "index.md"
    source.write_bytes(b"one")
    _age(source, 10)
    hashes = FileHashes(tmp_path / "cache")
    hashed_source(source, "index.md", hashes)
    hashes.save({str(source)})
    source.write_bytes(b"two")  # same size, new times
    _age(source, 10)
    sha, data, _ = hashed_source(source, "index.md", FileHashes(tmp_path / "cache"))
    assert data == b"two" and sha == hashlib.sha256(b"two").hexdigest()


def test_bytes_that_changed_after_hashing_stop_the_build_with_a_message(tmp_path):
    source = tmp_path / "index.md"
    source.write_bytes(b"one")
    sha = hashlib.sha256(b"one").hexdigest()
    assert checked_source(source, "interview/a/index.md", sha) == b"one"
    source.write_bytes(b"two")
    with pytest.raises(BuildError, match=r"interview/a/index.md:1:1: error\[ARC001\]: the file changed while"):
        checked_source(source, "interview/a/index.md", sha)


def test_a_damaged_record_is_ignored(tmp_path):
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "hashes.json").write_text('{"x": [1, 2, 3, 4, 5, 6], "y": "z"', encoding="utf-8")
    assert FileHashes(tmp_path / "cache").known == {}
    (tmp_path / "cache" / "hashes.json").write_text('{"x": ["a", 2, 3, 4, 5, "s"]}', encoding="utf-8")
    source = tmp_path / "x"
    source.write_bytes(b"")
    assert FileHashes(tmp_path / "cache").get("x", os.stat(source)) is None
