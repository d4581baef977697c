"""What a candidate downloads: the statement in a language, and the pack `judge init` writes, as a zip."""
from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from .. import problem as problems
from .. import service

LANGS = ("en", "zh")


def statement_path(prob: problems.Problem, lang: str | None) -> Path:
    """The statement file for ``lang``: spec.zh.md for Chinese when present, else spec.md."""
    if lang == "zh":
        zh = prob.dir / "spec.zh.md"
        if zh.is_file():
            return zh
    return prob.spec_path


def statement(problem_id: str, lang: str | None = None, root: Path | None = None) -> str:
    prob = problems.load(problem_id, root)
    return statement_path(prob, lang).read_text(encoding="utf-8")


def pack_zip(problem_id: str, lang: str | None = None, root: Path | None = None) -> bytes:
    """Exactly what ``judge init`` writes (statement in ``lang``), zipped under a folder named for the problem."""
    prob = problems.load(problem_id, root)
    with tempfile.TemporaryDirectory(prefix="mljudge-pack-") as work:
        target = service.init(problem_id, Path(work) / prob.id, root=root)
        (target / "spec.md").write_text(statement(problem_id, lang, root), encoding="utf-8")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(target.rglob("*")):
                if path.is_file():
                    zf.write(path, str(path.relative_to(target.parent)))
        return buf.getvalue()
