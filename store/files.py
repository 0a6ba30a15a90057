"""BlobStore on a local directory: the embedded default.

Keys map to paths under `root` after a strict check (segments of [A-Za-z0-9_.-] not starting with '.', so no
'..', no absolute paths and no clash with the temporary files). Every write goes to a temporary file in the
destination's directory first: `put_stream` then renames it over the key (os.replace, atomic), and the
conditional `put_file` hard-links it to the key (os.link fails atomically when the key exists), so readers
never see a partial blob and two writers of one content-addressed key never overwrite each other. There are no
presigned URLs: the server streams blobs itself.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

import re2

from registry.errors import InvalidInput, NotFound, TooLarge
from registry.ports import BlobInfo

_KEY = re2.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$")
_MAX_KEY_CHARS = 1024
_CHUNK = 256 * 1024  # per read: a hundred concurrent downloads hold tens of MB, not hundreds
_TEMPORARY = ".tmp-"


class FileBlobStore:
    def __init__(self, root: Path | str) -> None:
        self._root = Path(root)
        self._root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if not isinstance(key, str) or len(key) > _MAX_KEY_CHARS or not _KEY.match(key):
            raise InvalidInput(f"invalid blob key {key!r}")
        return self._root / key

    def put_file(self, key: str, path: str) -> bool:
        target = self._path(key)
        if target.exists():
            return False
        with open(path, "rb") as source:
            staged = self._stage(target, source, max_bytes=None)
        try:
            os.link(staged, target)
        except FileExistsError:
            return False
        finally:
            staged.unlink()
        return True

    def put_stream(self, key: str, stream: IO[bytes], max_bytes: int) -> int:
        target = self._path(key)
        staged = self._stage(target, stream, max_bytes)
        size = staged.stat().st_size
        os.replace(staged, target)
        return size

    def _stage(self, target: Path, stream: IO[bytes], max_bytes: int | None) -> Path:
        """Copy the stream into a temporary file next to `target`; removed again if anything fails."""
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(dir=target.parent, prefix=_TEMPORARY, delete=False)
        staged = Path(handle.name)
        try:
            with handle:
                written = 0
                while chunk := stream.read(_CHUNK):
                    written += len(chunk)
                    if max_bytes is not None and written > max_bytes:
                        raise TooLarge(f"more than {max_bytes} bytes")
                    handle.write(chunk)
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
        return staged

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size(self, key: str) -> int | None:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            return None

    def open_read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Opens eagerly, so a missing key raises NotFound here rather than at the first chunk."""
        if start < 0 or (end is not None and end < start):
            raise InvalidInput(f"invalid byte range {start}-{end}")
        try:
            handle = open(self._path(key), "rb")
        except FileNotFoundError:
            raise NotFound(f"no blob {key!r}") from None
        if start and start >= os.fstat(handle.fileno()).st_size:  # as S3 answers 416
            handle.close()
            raise InvalidInput(f"byte range {start}-{end} is outside the blob")
        return _read_range(handle, start, end)

    def local_path(self, key: str) -> str | None:
        path = self._path(key)
        if not path.is_file():
            raise NotFound(f"no blob {key!r}")
        return str(path)

    def download_to(self, key: str, path: str) -> None:
        try:
            shutil.copyfile(self._path(key), path)
        except FileNotFoundError:
            raise NotFound(f"no blob {key!r}") from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def presign_get(self, key: str, ttl_seconds: int, filename: str) -> str | None:
        return None

    def presign_upload(self, key: str, max_bytes: int, ttl_seconds: int) -> dict[str, Any] | None:
        return None

    def list_blobs(self, prefix: str) -> Iterator[BlobInfo]:
        """Walks the directories under the prefix's folder; temporaries (dot files) are not blobs."""
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        for directory, _, names in os.walk(self._root / folder):
            for name in names:
                path = Path(directory) / name
                key = path.relative_to(self._root).as_posix()
                if name.startswith(".") or not key.startswith(prefix):
                    continue
                try:
                    stat = path.stat()
                except FileNotFoundError:  # deleted while walking
                    continue
                yield BlobInfo(key, stat.st_size, datetime.fromtimestamp(stat.st_mtime, timezone.utc))

    def sweep_temporaries(self, older_than: datetime) -> int:
        """`.tmp-*` files a killed writer left behind (a live writer's are younger than `older_than`)."""
        removed = 0
        for directory, _, names in os.walk(self._root):
            for name in names:
                path = Path(directory) / name
                if name.startswith(_TEMPORARY) and _modified_before(path, older_than):
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed

    def reset(self) -> None:
        for child in self._root.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()

    def ping(self) -> None:
        if not os.access(self._root, os.W_OK):
            raise OSError(f"blob directory {self._root} is not writable")


def _modified_before(path: Path, moment: datetime) -> bool:
    try:
        return path.stat().st_mtime < moment.timestamp()
    except FileNotFoundError:
        return False


def _read_range(handle: IO[bytes], start: int, end: int | None) -> Iterator[bytes]:
    with handle:
        handle.seek(start)
        remaining = None if end is None else end - start + 1
        while remaining is None or remaining > 0:
            chunk = handle.read(_CHUNK if remaining is None else min(_CHUNK, remaining))
            if not chunk:
                return
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk
