"""Uploaded files or a zip → a Submission, through the same intake rules as a folder on disk."""
from __future__ import annotations

import io
import stat
import tempfile
import zipfile
from pathlib import Path

from .. import problem as problems
from ..errors import UsageError
from ..intake import IGNORED, MAX_ENTRIES, SAFE_NAME, STORE_CAP, Submission, read_submission


def _safe_parts(name: str) -> list[str]:
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts) or name.startswith("/"):
        raise UsageError(f"{name!r} is not a relative file name")
    return parts


def _unzip(data: bytes, dest: Path) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UsageError("the upload is not a valid zip file") from None
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise UsageError(f"the zip holds {len(infos)} entries; at most {MAX_ENTRIES} are accepted")
    if sum(i.file_size for i in infos) > STORE_CAP:
        raise UsageError(f"the zip unpacks to more than {STORE_CAP >> 20} MB")
    written = 0
    for info in infos:
        parts = _safe_parts(info.filename)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise UsageError(f"{info.filename} is a symbolic link; links are not accepted")
        if info.is_dir() or any(p in IGNORED for p in parts):
            continue
        target = dest.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as src:  # sizes in the zip's directory can lie: count what is really unpacked
            data = src.read(STORE_CAP + 1 - written)
        written += len(data)
        if written > STORE_CAP:
            raise UsageError(f"the zip unpacks to more than {STORE_CAP >> 20} MB")
        target.write_bytes(data)


def _single_folder(base: Path) -> Path:
    """A zip of a folder holds one top-level folder: judge what is inside it."""
    entries = [e for e in base.iterdir() if e.name not in IGNORED]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else base


def submission_from_upload(prob: problems.Problem, files: dict[str, bytes] | None = None,
                           zip_data: bytes | None = None) -> Submission:
    """Files (name → bytes) or a zip, read with the intake rules (names, caps, UTF-8)."""
    if not files and not zip_data:
        raise UsageError("no files uploaded: send the problem's files or a zip")
    with tempfile.TemporaryDirectory(prefix="mljudge-upload-") as work:
        base = Path(work) / "upload"
        base.mkdir()
        if zip_data:
            _unzip(zip_data, base)
            base = _single_folder(base)
        for name, data in (files or {}).items():
            parts = _safe_parts(name)
            if not all(SAFE_NAME.match(p) for p in parts):
                raise UsageError(f"{name!r} has characters not allowed in a file name")
            if len(data) > STORE_CAP:
                raise UsageError(f"{name} is larger than the judge accepts ({STORE_CAP >> 20} MB)")
            target = base.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        sub = read_submission(prob, base)
    sub.source = "upload"
    return sub
