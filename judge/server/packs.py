"""What a candidate downloads: the statement in a language, and the pack `judge init` writes, as a zip."""
from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from .. import problem as problems
from .. import service


def statement(problem_id: str, lang: str | None = None, root: Path | None = None) -> str:
    """The statement in ``lang`` (English when the problem has no translation yet)."""
    return service.statement(problem_id, lang or "en", root)["text"]


def pack_zip(problem_id: str, lang: str | None = None, root: Path | None = None) -> bytes:
    """Exactly what ``judge init --lang`` writes, zipped under a folder named for the problem."""
    prob = problems.load(problem_id, root)
    with tempfile.TemporaryDirectory(prefix="mljudge-pack-") as work:
        target = service.init(problem_id, Path(work) / prob.id, root=root, lang=lang or "en")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(target.rglob("*")):
                if path.is_file():
                    zf.write(path, str(path.relative_to(target.parent)))
        return buf.getvalue()
