"""registry.zipsafe: hostile archives are refused with a reason, honest ones described exactly."""
from __future__ import annotations

import hashlib
import io
import stat
import warnings
import zipfile
import zlib
from pathlib import Path

import pytest

from registry.errors import InvalidInput
from registry.model import ContentVerdict, FindingSeverity
from registry.zipsafe import ZipManifest, inspect_zip
from tests.package.zips import CLEAN_PICKLE, CONFIG, EVIL_PICKLE, EVIL_PICKLE_PROTO2, build_zip, hf_files, \
    patch_central

LIMITS = {"max_entries": 50, "max_total_bytes": 50_000_000, "max_ratio": 100.0}


def inspect(path: Path, **limits: float) -> ZipManifest:
    return inspect_zip(str(path), **{**LIMITS, **limits})  # type: ignore[arg-type]


def refused(path: Path, reason: str, **limits: float) -> None:
    with pytest.raises(InvalidInput) as caught:
        inspect(path, **limits)
    assert reason in caught.value.message


def test_describes_an_honest_package(tmp_path):
    files = hf_files()
    manifest = inspect_zip(str(build_zip(tmp_path / "p.zip", files)), **LIMITS)
    assert [e.path for e in manifest.entries] == sorted(files)
    assert {e.path: (e.size, e.sha256) for e in manifest.entries} == {
        name: (len(data), hashlib.sha256(data).hexdigest()) for name, data in files.items()}
    assert manifest.root == ""
    assert manifest.readme is not None and manifest.readme.startswith("---\nlicense: apache-2.0")
    assert manifest.config == CONFIG and manifest.config_error is None
    assert manifest.content_scan.scanned_files == [] and manifest.content_scan.findings == []
    assert manifest.content_scan.verdict is ContentVerdict.CLEAN


def test_strips_one_top_level_folder_and_ignores_macos_junk(tmp_path):
    path = build_zip(tmp_path / "p.zip", {**{f"tiny-model/{k}": v for k, v in hf_files().items()},
                                          "__MACOSX/tiny-model/._config.json": b"\x00\x05\x16\x07"})
    manifest = inspect(path)
    assert manifest.root == "tiny-model/"
    assert "config.json" in [e.path for e in manifest.entries]
    assert all(not e.path.startswith(("tiny-model/", "__MACOSX")) for e in manifest.entries)
    assert {e.archive_name for e in manifest.entries} >= {"tiny-model/config.json"}


def test_stored_entries_are_read_too(tmp_path):
    manifest = inspect(build_zip(tmp_path / "p.zip", hf_files(), method=zipfile.ZIP_STORED))
    assert manifest.config == CONFIG


def test_requires_a_card_or_config_at_the_root(tmp_path):
    refused(build_zip(tmp_path / "p.zip", {"weights/model.safetensors": b"x", "notes.txt": b"y"}),
            "does not look like a Hugging Face model repository")
    refused(build_zip(tmp_path / "q.zip", {"a/config.json": b"{}", "b/README.md": b"# two folders"}),
            "does not look like a Hugging Face model repository")


def test_bad_config_is_recorded_not_fatal(tmp_path):
    manifest = inspect(build_zip(tmp_path / "p.zip", {"README.md": b"# x", "config.json": b"{not json"}))
    assert manifest.config is None and manifest.config_error and "not valid JSON" in manifest.config_error
    listed = inspect(build_zip(tmp_path / "q.zip", {"config.json": b"[1, 2]"}))
    assert listed.config is None and "not an object" in (listed.config_error or "")


def test_readme_is_capped_and_decoded_with_replacement(tmp_path):
    readme = b"# card \xff\n" + b"a" * 1_200_000
    manifest = inspect(build_zip(tmp_path / "p.zip", {"README.md": readme}), max_ratio=10_000)
    assert manifest.readme is not None and len(manifest.readme) == 1_000_000
    assert manifest.readme.startswith("# card \ufffd")


def test_not_a_zip(tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"this is not a zip archive" * 10)
    refused(junk, "not a readable zip archive")


def test_truncated_zip(tmp_path):
    path = build_zip(tmp_path / "p.zip", hf_files())
    path.write_bytes(path.read_bytes()[:-30])
    refused(path, "not a readable zip archive")


@pytest.mark.parametrize("name, reason", [
    ("../evil.txt", "'..' segment"),
    ("folder/../../evil.txt", "'..' segment"),
    ("/etc/passwd", "absolute path"),
    ("folder\\evil.txt", "backslash"),
    ("C:/windows/evil.txt", "colon"),
    ("line\nbreak.txt", "control character"),
    ("a//b.txt", "empty or '.' segment"),
    ("./a.txt", "empty or '.' segment"),
])
def test_unsafe_names(tmp_path, name, reason):
    refused(build_zip(tmp_path / "p.zip", {"config.json": b"{}", name: b"x"}), reason)


def test_nul_in_a_name(tmp_path):
    path = build_zip(tmp_path / "p.zip", {"config.json": b"{}", "evil.txtX.json": b"x"})
    path.write_bytes(path.read_bytes().replace(b"evil.txtX.json", b"evil.txt\x00.json"))
    refused(path, "NUL or control character")


def test_duplicate_names(tmp_path):
    path = tmp_path / "p.zip"
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as archive:
        warnings.simplefilter("ignore")
        archive.writestr("config.json", b"{}")
        archive.writestr("config.json", b"{\"other\": 1}")
    refused(path, "duplicate entry 'config.json'")


def test_file_that_is_also_a_folder(tmp_path):
    refused(build_zip(tmp_path / "p.zip", {"config.json": b"{}", "model": b"x", "model/weights.bin": b"y"}),
            "lies under 'model'")


def test_symlink(tmp_path):
    path = tmp_path / "p.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", b"{}")
        link = zipfile.ZipInfo("model.safetensors")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    refused(path, "is a symbolic link")


def test_encrypted_entry(tmp_path):
    path = build_zip(tmp_path / "p.zip", {"config.json": b"{}", "secret.txt": b"x"})
    patch_central(path, "secret.txt", 8, "<H", 0x1)
    refused(path, "encrypted entry 'secret.txt'")


def test_unsupported_compression(tmp_path):
    path = build_zip(tmp_path / "p.zip", {"config.json": b"{}", "a.txt": b"x" * 100}, method=zipfile.ZIP_BZIP2)
    refused(path, "compression method 12")


def test_too_many_entries(tmp_path):
    files = {"config.json": b"{}", **{f"f{i}.txt": b"x" for i in range(5)}}
    refused(build_zip(tmp_path / "p.zip", files), "has 6 entries; at most 5", max_entries=5)


def test_declared_total_over_the_cap(tmp_path):
    refused(build_zip(tmp_path / "p.zip", hf_files()), "at most 1000 are allowed", max_total_bytes=1000)


def test_zip_bomb_entry_ratio(tmp_path):
    path = build_zip(tmp_path / "p.zip", {"config.json": b"{}", "zeros.bin": bytes(5_000_000)})
    refused(path, "zip bomb: entry 'zeros.bin' expands")


def test_zip_bomb_whole_archive_ratio(tmp_path):
    # Each entry stays under the per-entry floor, together they expand far more than allowed.
    files = {"config.json": b"{}", **{f"z{i}.txt": bytes(60_000) for i in range(40)}}
    refused(build_zip(tmp_path / "p.zip", files), "zip bomb: the package expands")


def test_entry_that_lies_about_its_size(tmp_path):
    # The header says 1000 bytes (ratio looks harmless); the deflate stream holds 200000: reading stops past the
    # declared size instead of trusting it.
    data = b"a" * 200_000
    path = build_zip(tmp_path / "p.zip", {"config.json": b"{}", "big.txt": data})
    patch_central(path, "big.txt", 24, "<L", 1000)
    patch_central(path, "big.txt", 16, "<L", zlib.crc32(data[:1000]))
    refused(path, "zip bomb: entry 'big.txt' unpacks to more than the 1000 bytes it declares")


def test_entry_shorter_than_declared(tmp_path):
    path = build_zip(tmp_path / "p.zip", {"config.json": b"{}", "small.txt": b"abc" * 100})
    patch_central(path, "small.txt", 24, "<L", 400)
    refused(path, "is corrupt")


def test_crc_mismatch(tmp_path):
    path = build_zip(tmp_path / "p.zip", {"config.json": b"{}", "a.txt": b"abc" * 100})
    patch_central(path, "a.txt", 16, "<L", 12345)
    refused(path, "is corrupt")


def test_overlapping_entries(tmp_path):
    path = build_zip(tmp_path / "p.zip", {"config.json": b"{}", "a.txt": b"abc"})
    patch_central(path, "a.txt", 42, "<L", 0)  # a.txt's record points at config.json's data
    refused(path, "overlaps another entry")


def test_dangerous_pickle_is_flagged_never_loaded(tmp_path):
    pickles = {"pytorch_model.bin": EVIL_PICKLE, "training_state": EVIL_PICKLE_PROTO2, "optimizer.pkl": CLEAN_PICKLE}
    path = build_zip(tmp_path / "p.zip", hf_files(**pickles))
    scan = inspect(path).content_scan
    assert scan.scanned_files == ["optimizer.pkl", "pytorch_model.bin", "training_state"]
    assert [(f.file, f.global_name, f.severity) for f in scan.findings] == [
        ("pytorch_model.bin", "os.system", FindingSeverity.DANGEROUS),
        ("training_state", "posix.system", FindingSeverity.DANGEROUS)]
    assert scan.verdict is ContentVerdict.UNSAFE and scan.scanner.startswith("picklescan ")


def test_nested_zip_bomb_in_a_checkpoint_is_refused(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as nested:
        nested.writestr("archive/data.pkl", bytes(3_000_000))
    path = build_zip(tmp_path / "p.zip", hf_files(**{"model.pt": inner.getvalue()}), method=zipfile.ZIP_STORED)
    refused(path, "entry 'model.pt' is an archive that cannot be scanned safely")


def test_torch_style_checkpoint_is_scanned_inside(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_STORED) as nested:
        nested.writestr("archive/data.pkl", EVIL_PICKLE)
        nested.writestr("archive/version", b"3\n")
    path = build_zip(tmp_path / "p.zip", hf_files(**{"model.pt": inner.getvalue()}))
    (finding,) = inspect(path).content_scan.findings
    assert (finding.file, finding.global_name, finding.severity) == ("model.pt", "os.system", FindingSeverity.DANGEROUS)


def test_local_header_must_match_the_directory(tmp_path):
    path = build_zip(tmp_path / "p.zip", {"config.json": b"{}", "abc.txt": b"x"})
    path.write_bytes(path.read_bytes().replace(b"abc.txt", b"abd.txt", 1))  # the local header comes first
    refused(path, "has a different name in its local header")
    broken = build_zip(tmp_path / "q.zip", {"config.json": b"{}"})
    broken.write_bytes(b"PK\x03\x00" + broken.read_bytes()[4:])
    refused(broken, "has no valid local header")


def test_packed_size_past_the_end(tmp_path):
    path = build_zip(tmp_path / "p.zip", {"config.json": b"{}", "last.txt": b"abc" * 100})
    patch_central(path, "last.txt", 20, "<L", 10_000_000)
    refused(path, "runs past the end of the archive")


def test_stored_sizes_must_agree(tmp_path):
    path = build_zip(tmp_path / "p.zip", {"config.json": b"{}", "a.txt": b"abc"}, method=zipfile.ZIP_STORED)
    patch_central(path, "a.txt", 20, "<L", 2)
    refused(path, "declares different packed and unpacked sizes")


def test_data_hidden_after_the_deflate_stream(tmp_path):
    path = build_zip(tmp_path / "p.zip", {"config.json": b"{}", "last.txt": b"abc" * 100})
    info = zipfile.ZipFile(path).getinfo("last.txt")
    patch_central(path, "last.txt", 20, "<L", info.compress_size + 8)  # 8 bytes of the directory ride along
    refused(path, "hides data after its compressed stream")


def test_corrupt_deflate_stream(tmp_path):
    path = build_zip(tmp_path / "p.zip", {"config.json": b"{}", "a.txt": bytes(range(256)) * 4})
    info = zipfile.ZipFile(path).getinfo("a.txt")
    data = bytearray(path.read_bytes())
    start = info.header_offset + 30 + len("a.txt")
    data[start:start + 1] = b"\xff"  # a reserved block type
    path.write_bytes(bytes(data))
    refused(path, "entry 'a.txt' is corrupt")


def test_oversized_config_is_recorded(tmp_path):
    config = b'{"pad": "' + hashlib.sha256(b"x").hexdigest().encode() * 40_000 + b'"}'
    manifest = inspect(build_zip(tmp_path / "p.zip", {"README.md": b"# r", "config.json": config}),
                       max_ratio=10_000)
    assert manifest.config is None and manifest.config_error == "larger than 1000000 bytes"


def test_unreadable_pickle_is_recorded_as_unscannable(tmp_path):
    bad_numpy = b"\x93NUMPY\x09\x09" + b"\x00" * 20
    scan = inspect(build_zip(tmp_path / "p.zip", hf_files(**{"array.npy": bad_numpy}))).content_scan
    (finding,) = scan.findings
    assert finding.file == "array.npy" and finding.severity is FindingSeverity.UNSCANNABLE
    assert finding.global_name is None and "picklescan could not read the file" in (finding.detail or "")
    assert scan.verdict is ContentVerdict.UNSAFE
