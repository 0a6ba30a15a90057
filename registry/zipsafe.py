"""Safe reading of an uploaded zip package: caps checked first, then every entry streamed and hashed.

Nothing is ever extracted to disk by joining archive paths, and nothing is ever unpickled: pickle-capable files
are disassembled by picklescan and its findings classified (`ContentScan`, registry/model.py).

Why an entry reader of our own: zipfile trusts the central directory and silently stops at the declared
size, so an entry whose deflate stream holds more than it declares reads one way here and another way in
the client's unzip (a place to hide a payload from the scanner). Reading the raw stream ourselves, for the
two methods real packages use (stored and deflate), lets us demand that the compressed bytes, the
decompressed bytes, the declared sizes and the CRC all agree, and stop the moment output passes its cap.

Layout rule: the package must look like a Hugging Face repository, i.e. hold `config.json` or `README.md`
at its root. Zipping a folder puts everything under one top-level directory (`my-model/config.json`); when
every file shares one top folder, that folder is stripped from the manifest's paths (`ZipManifest.root`).
macOS's `__MACOSX/` resource-fork folder is validated like everything else but left out of the manifest.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from typing import IO, Any

from registry.errors import InvalidInput
from registry.model import ContentFinding, ContentScan, FindingSeverity

CHUNK = 1 << 20
README_CAP = 1_000_000  # README.md text kept for the card and search
JSON_CAP = 1_000_000  # config.json / adapter_config.json parsed only up to this size
# An entry this small cannot hurt whatever its ratio (a 10 KB file of spaces compresses 300:1).
RATIO_FLOOR = 64 * 1024
# Extensions whose files are pickles (or may hold one); they are scanned with picklescan, never loaded.
PICKLE_EXTENSIONS = frozenset({".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".joblib", ".npy", ".npz",
                               ".dat", ".data"})
_PICKLE_MAGIC = tuple(bytes([0x80, protocol]) for protocol in range(2, 6))  # PROTO opcode, protocols 2-5
_JSON_DOCUMENTS = ("config.json", "adapter_config.json")
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_ALLOWED_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_MACOS_JUNK = "__MACOSX/"
_ENCRYPTED_FLAG = 0x1
_UTF8_FLAG = 0x800
_WINDOWS_REPARSE_POINT = 0x400  # FILE_ATTRIBUTE_REPARSE_POINT (Windows symlinks and junctions)


@dataclass(frozen=True)
class ZipEntry:
    """One file of the package. `path` has the common top folder stripped; `archive_name` is the raw name."""

    path: str
    archive_name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class ZipManifest:
    entries: list[ZipEntry]
    root: str  # the stripped top folder ("name/") or ""
    readme: str | None
    config: dict[str, Any] | None
    config_error: str | None
    adapter_config: dict[str, Any] | None
    content_scan: ContentScan


@dataclass(frozen=True)
class _Limits:
    max_entries: int
    max_total_bytes: int
    max_ratio: float


def inspect_zip(path: str, *, max_entries: int, max_total_bytes: int, max_ratio: float,
                model: bool = True) -> ZipManifest:
    """Validate the zip at `path` and describe it; raise InvalidInput with the reason on anything unsafe. A
    `model` package must also be laid out like a model repository (a dataset's or a code repository's need not)."""
    limits = _Limits(max_entries, max_total_bytes, max_ratio)
    archive_size = os.path.getsize(path)
    infos = _read_directory(path)
    _check_listing(infos, limits, archive_size)
    files = [i for i in infos if not i.is_dir() and not i.filename.startswith(_MACOS_JUNK)]
    root = _common_root([i.filename for i in files])
    reader = _EntryReader(root, limits)
    with open(path, "rb") as raw:
        offsets = _check_layout(raw, infos, archive_size)
        entries = [reader.read(raw, info, offsets[info.filename])
                   for info in sorted(files, key=lambda i: i.header_offset)]
    documents = reader.documents
    if model and "README.md" not in documents and "config.json" not in documents:
        raise InvalidInput("the package does not look like a Hugging Face model repository: it needs a config.json"
                           " or README.md at its root (or inside one top-level folder)")
    config, config_error = _json_object(documents.get("config.json"))
    adapter_config, _ = _json_object(documents.get("adapter_config.json"))
    readme = documents.get("README.md")
    return ZipManifest(entries=sorted(entries, key=lambda e: e.path), root=root,
                       readme=None if readme is None else readme.decode("utf-8", errors="replace"),
                       config=config, config_error=config_error, adapter_config=adapter_config,
                       content_scan=ContentScan(scanner=f"picklescan {version('picklescan')}",
                                                scanned_files=sorted(reader.scanned),
                                                findings=sorted(reader.findings, key=_finding_order)))


# the listing ------------------------------------------------------------------------------------------------------
def _read_directory(path: str) -> list[zipfile.ZipInfo]:
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, struct.error, NotImplementedError) as exc:
        raise InvalidInput(f"the package is not a readable zip archive: {exc}") from None


def _check_listing(infos: list[zipfile.ZipInfo], limits: _Limits, archive_size: int) -> None:
    """Every check the central directory allows before a single byte is decompressed."""
    if len(infos) > limits.max_entries:
        raise InvalidInput(f"the package has {len(infos)} entries; at most {limits.max_entries} are allowed")
    for info in infos:
        _check_name(info.orig_filename)
        _check_entry(info, limits)
    _check_unique([i.filename for i in infos])
    total = sum(i.file_size for i in infos)
    if total > limits.max_total_bytes:
        raise InvalidInput(f"the package unpacks to {total} bytes; at most {limits.max_total_bytes} are allowed")
    if total > RATIO_FLOOR and total / max(archive_size, 1) > limits.max_ratio:
        raise InvalidInput(f"zip bomb: the package expands {total / max(archive_size, 1):.0f} times"
                           f" (at most {limits.max_ratio:g})")


def _check_name(name: str) -> None:
    """Archive paths are relative, '/'-separated, canonical and printable: never a way out of a folder."""
    reason = _name_problem(name)
    if reason:
        raise InvalidInput(f"unsafe path in the package {name!r}: {reason}")


def _name_problem(name: str) -> str | None:
    if not name:
        return "empty name"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        return "NUL or control character"
    if "\\" in name:
        return "backslash"
    if name.startswith("/"):
        return "absolute path"
    if ":" in name:
        return "colon (drive letter or alternate data stream)"
    segments = name.rstrip("/").split("/")
    if ".." in segments:
        return "'..' segment"
    if any(s in ("", ".") for s in segments):
        return "empty or '.' segment"
    return None


def _check_entry(info: zipfile.ZipInfo, limits: _Limits) -> None:
    name = info.orig_filename
    if info.flag_bits & _ENCRYPTED_FLAG:
        raise InvalidInput(f"encrypted entry {name!r}: packages must not be encrypted")
    mode = info.external_attr >> 16
    if (info.create_system == 3 and stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR)) \
            or info.external_attr & _WINDOWS_REPARSE_POINT:
        kind = "symbolic link" if stat.S_ISLNK(mode) else "special file"
        raise InvalidInput(f"entry {name!r} is a {kind}; only regular files and folders are allowed")
    if info.compress_type not in _ALLOWED_METHODS:
        raise InvalidInput(f"entry {name!r} uses compression method {info.compress_type}; only stored and deflate"
                           " are accepted")
    if info.is_dir() and info.file_size:
        raise InvalidInput(f"folder entry {name!r} has content")
    if info.compress_type == zipfile.ZIP_STORED and info.compress_size != info.file_size:
        raise InvalidInput(f"stored entry {name!r} declares different packed and unpacked sizes")
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > RATIO_FLOOR and ratio > limits.max_ratio:
        raise InvalidInput(f"zip bomb: entry {name!r} expands {ratio:.0f} times (at most {limits.max_ratio:g})")


def _check_unique(names: list[str]) -> None:
    """No name twice, and no file that is also a folder of another entry (both break extraction)."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InvalidInput(f"duplicate entry {name!r} in the package")
        seen.add(name)
    files = {n for n in names if not n.endswith("/")}
    for name in names:
        parts = name.rstrip("/").split("/")
        clash = next((p for p in ("/".join(parts[:k]) for k in range(1, len(parts))) if p in files), None)
        if clash is not None:
            raise InvalidInput(f"entry {name!r} lies under {clash!r}, which is a file")


def _common_root(names: list[str]) -> str:
    """The single top-level folder every file sits in ("name/"), or "" when files sit at the root."""
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        return f"{tops.pop()}/"
    return ""


def _check_layout(raw: IO[bytes], infos: list[zipfile.ZipInfo], archive_size: int) -> dict[str, int]:
    """Local headers agree with the directory and entries' data never overlap (overlap = quoted-entry bomb).
    Returns where each entry's data starts, by name."""
    offsets: dict[str, int] = {}
    previous_end = 0
    for info in sorted(infos, key=lambda i: i.header_offset):
        if info.header_offset < previous_end:
            raise InvalidInput(f"zip bomb: entry {info.orig_filename!r} overlaps another entry")
        offsets[info.filename] = _data_offset(raw, info)
        previous_end = offsets[info.filename] + info.compress_size
        if previous_end > archive_size:
            raise InvalidInput(f"entry {info.orig_filename!r} runs past the end of the archive")
    return offsets


def _data_offset(raw: IO[bytes], info: zipfile.ZipInfo) -> int:
    raw.seek(info.header_offset)
    header = raw.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != _LOCAL_SIGNATURE:
        raise InvalidInput(f"entry {info.orig_filename!r} has no valid local header")
    fields = _LOCAL_HEADER.unpack(header)
    name_length, extra_length = fields[10], fields[11]
    local_name = raw.read(name_length)
    encoding = "utf-8" if fields[3] & _UTF8_FLAG else "cp437"
    if local_name.decode(encoding, errors="replace") != info.orig_filename:
        raise InvalidInput(f"entry {info.orig_filename!r} has a different name in its local header")
    return info.header_offset + _LOCAL_HEADER.size + name_length + extra_length


# the entries --------------------------------------------------------------------------------------------------
class _EntryReader:
    """Streams entries once: hashes them, keeps the small documents and spools pickles for the scanner."""

    def __init__(self, root: str, limits: _Limits) -> None:
        self._root = root
        self._limits = limits
        self.documents: dict[str, bytes] = {}
        self.scanned: list[str] = []
        self.findings: list[ContentFinding] = []

    def read(self, raw: IO[bytes], info: zipfile.ZipInfo, offset: int) -> ZipEntry:
        path = info.filename[len(self._root):]
        digest, crc, size = hashlib.sha256(), 0, 0
        keep = README_CAP if path == "README.md" else JSON_CAP + 1 if path in _JSON_DOCUMENTS else 0
        kept = bytearray()
        with contextlib.ExitStack() as cleanup:
            spool: IO[bytes] | None = None
            for chunk in _raw_entry_stream(raw, info, offset):
                if size == 0 and _looks_pickled(path, chunk):
                    spool = cleanup.enter_context(tempfile.TemporaryFile())
                size += len(chunk)
                if size > info.file_size:
                    raise InvalidInput(f"zip bomb: entry {info.orig_filename!r} unpacks to more than the"
                                       f" {info.file_size} bytes it declares")
                digest.update(chunk)
                crc = zlib.crc32(chunk, crc)
                if len(kept) < keep:
                    kept += chunk[:keep - len(kept)]
                if spool is not None:
                    spool.write(chunk)
            if size != info.file_size or crc != info.CRC:
                raise InvalidInput(f"entry {info.orig_filename!r} is corrupt: its size or CRC does not match its"
                                   " header")
            if spool is not None:
                spool.seek(0)
                self.scanned.append(path)
                self.findings.extend(self._scan(spool, path))
        if keep:
            self.documents[path] = bytes(kept)
        return ZipEntry(path=path, archive_name=info.filename, size=size, sha256=digest.hexdigest())

    def _scan(self, spool: IO[bytes], path: str) -> list[ContentFinding]:
        """picklescan lists the imports a pickle would perform by disassembling it (inside torch zips and .npz
        too); it never loads it. Its own SafetyLevel classifies each import: Dangerous and Suspicious become
        findings, Innocuous ones (torch storages, OrderedDict, numpy arrays) do not.
        A file it cannot read at all is UNSCANNABLE: a loader might still run it, so it is refused, not trusted.
        A stream that breaks after some imports keeps those imports (picklescan reports them) plus a note.
        (Imported here, not at module import: it pulls in tarfile and more, which a cold start doesn't need.)"""
        from picklescan.scanner import SafetyLevel, scan_bytes

        nested_problem = _nested_zip_problem(spool, self._limits)
        if nested_problem:
            raise InvalidInput(f"entry {path!r} is an archive that cannot be scanned safely: {nested_problem}")
        extension = os.path.splitext(path)[1].lower()
        try:
            result = scan_bytes(spool, path, extension if extension in PICKLE_EXTENSIONS else None)
        except Exception as exc:  # picklescan raises bare Exceptions on input it cannot parse
            return [ContentFinding(file=path, severity=FindingSeverity.UNSCANNABLE,
                                   detail=f"picklescan could not read the file: {exc}")]
        severity = {SafetyLevel.Dangerous: FindingSeverity.DANGEROUS,
                    SafetyLevel.Suspicious: FindingSeverity.SUSPICIOUS}
        imports = {(f"{found.module}.{found.name}", severity[found.safety]) for found in result.globals
                   if found.safety in severity}
        findings = [ContentFinding(file=path, global_name=name, severity=level) for name, level in imports]
        if result.scan_err:
            findings.append(ContentFinding(file=path, severity=FindingSeverity.SUSPICIOUS,
                                           detail="the pickle stream is malformed; the scan stopped where it broke"))
        return findings


def _finding_order(finding: ContentFinding) -> tuple[str, bool, str]:
    """By file; a file's imports first, then notes about the file itself."""
    return finding.file, finding.global_name is None, finding.global_name or ""


def _looks_pickled(path: str, first_chunk: bytes) -> bool:
    """By extension, or by the PROTO opcode that starts every pickle of protocol 2 and later (torch.load does
    not care what a file is called)."""
    return os.path.splitext(path)[1].lower() in PICKLE_EXTENSIONS or first_chunk.startswith(_PICKLE_MAGIC)


def _nested_zip_problem(spool: IO[bytes], limits: _Limits) -> str | None:
    """picklescan opens nested zips (torch .pt/.bin, .npz) with zipfile, which reads at most the declared sizes:
    bounding the declared sizes therefore bounds the scanner's work."""
    if not zipfile.is_zipfile(spool):
        spool.seek(0)
        return None
    spool.seek(0, os.SEEK_END)
    size = spool.tell()
    spool.seek(0)
    try:
        with zipfile.ZipFile(spool) as nested:
            infos = nested.infolist()
        _check_listing(infos, limits, size)
    except InvalidInput as exc:
        return exc.message
    except (zipfile.BadZipFile, EOFError, ValueError, struct.error, NotImplementedError) as exc:
        return f"malformed nested archive ({exc})"
    finally:
        spool.seek(0)
    return None


def _raw_entry_stream(raw: IO[bytes], info: zipfile.ZipInfo, offset: int) -> Iterator[bytes]:
    """The entry's bytes, decompressed in bounded chunks; the deflate stream must end exactly at its packed size."""
    raw.seek(offset)
    remaining = info.compress_size

    def packed() -> bytes:
        nonlocal remaining
        data = raw.read(min(CHUNK, remaining))
        if not data:
            raise InvalidInput(f"entry {info.orig_filename!r} is truncated")
        remaining -= len(data)
        return data

    if info.compress_type == zipfile.ZIP_STORED:
        while remaining:
            yield packed()
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        while not inflater.eof:
            data = inflater.unconsumed_tail or packed()
            out = inflater.decompress(data, CHUNK)
            if out:
                yield out
    except zlib.error as exc:
        raise InvalidInput(f"entry {info.orig_filename!r} is corrupt: {exc}") from None
    if remaining or inflater.unused_data:
        raise InvalidInput(f"entry {info.orig_filename!r} hides data after its compressed stream")


def _json_object(data: bytes | None) -> tuple[dict[str, Any] | None, str | None]:
    """(object, None) for a JSON object; (None, reason) otherwise; (None, None) when the file is absent."""
    if data is None:
        return None, None
    if len(data) > JSON_CAP:
        return None, f"larger than {JSON_CAP} bytes"
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        return None, f"not valid JSON: {exc}"
    if not isinstance(parsed, dict):
        return None, f"a JSON {type(parsed).__name__}, not an object"
    return parsed, None
