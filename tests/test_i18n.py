"""Chinese and English: the locale, the catalogs, the statements, and candidate reports in Chinese.

The catalog checks need Babel (the test extras); the judge at run time needs only
the standard library's gettext and the compiled .mo.
"""
import gettext
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from judge import i18n, statements
from judge import problem as problems
from judge import report as reports
from judge import service
from judge.errors import UsageError
from judge.store import Store

from .browser import LAPTOP, PHONE, dump_dom, screenshot
from .conftest import FIXTURE_ROOT, REPO

LOCALE = REPO / "judge" / "locale"
POT = LOCALE / "judge.pot"
PO = LOCALE / "zh" / "LC_MESSAGES" / "judge.po"
MO = LOCALE / "zh" / "LC_MESSAGES" / "judge.mo"
SEED = 12345
CJK = re.compile(r"[\u4e00-\u9fff]")
# Problems whose Chinese statement another engineer is writing (their specs are being rewritten);
# the lead empties this at merge, and from then on every problem must have an agreeing pair.
PENDING_TRANSLATION = {"numpy-backprop", "gradient-descent", "quantization", "ddp"}


def _read_po(path):
    pofile = pytest.importorskip("babel.messages.pofile")
    with open(path, "rb") as fh:
        return pofile.read_po(fh)


def _msgids(catalog) -> list[str]:
    return sorted(m.id for m in catalog if m.id)


# ---- the locale -------------------------------------------------------------------------

@pytest.mark.parametrize("env,lang", [
    ({}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "zh_TW.UTF-8"}, "zh"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "fr_FR.UTF-8"}, "en"),  # a language the judge does not speak: English
    ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
    ({"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
    ({"LC_ALL": "", "LANG": "zh_CN.UTF-8"}, "zh"),  # an empty variable is not set
])
def test_language_from_the_locale(env, lang):
    assert i18n.from_env(env) == lang
    assert i18n.normalize(None, env) == lang


@pytest.mark.parametrize("given,lang", [("zh", "zh"), ("zh_CN", "zh"), ("zh-CN", "zh"), ("ZH", "zh"),
                                        ("en", "en"), ("en_GB.UTF-8", "en")])
def test_normalize(given, lang):
    assert i18n.normalize(given, {"LANG": "C"}) == lang


def test_an_unknown_language_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown language 'fr'"):
        i18n.normalize("fr")


def test_translator():
    zh, en = i18n.translator("zh"), i18n.translator("en")
    assert (zh("Accepted"), zh.lang, zh.html_lang) == ("通过", "zh", "zh-CN")
    assert (en("Accepted"), en.lang) == ("Accepted", "en")
    assert zh("a string that is not in the catalog") == "a string that is not in the catalog"
    assert i18n.translator(zh) is zh


# ---- the catalogs ---------------------------------------------------------------------------

def test_every_msgid_has_a_chinese_translation():
    template, zh = _read_po(POT), _read_po(PO)
    missing = [m for m in _msgids(template) if not (zh.get(m) and zh.get(m).string)]
    assert not missing, f"untranslated in {PO.relative_to(REPO)}: {missing}"
    obsolete = sorted(set(_msgids(zh)) - set(_msgids(template)))
    assert not obsolete, f"in the catalog but no longer in the code: {obsolete}"


def test_translations_keep_the_placeholders():
    for m in _read_po(PO):
        if m.id:
            assert sorted(re.findall(r"\{\w*\}", m.id)) == sorted(re.findall(r"\{\w*\}", m.string)), m.id


def test_the_template_holds_every_string_marked_in_the_code():
    """judge/locale/judge.pot is what `bash scripts/i18n.sh` extracts now (a stale template fails)."""
    extract = pytest.importorskip("babel.messages.extract")
    frontend = pytest.importorskip("babel.messages.frontend")
    with open(REPO / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = frontend.parse_mapping_cfg(fh)
    keywords = dict(extract.DEFAULT_KEYWORDS, N_=None)
    found = set()
    for _file, _line, message, _comments, _context in extract.extract_from_dir(
            str(REPO), method_map, options_map, keywords=keywords):
        found.add(message if isinstance(message, str) else message[0])
    assert "Accepted" in found and "Your result" in found  # Python and template strings both
    assert sorted(found) == _msgids(_read_po(POT)), "run: bash scripts/i18n.sh"


def test_the_compiled_catalog_matches_the_po():
    """The committed .mo is what `bash scripts/i18n.sh compile` makes from the .po."""
    with open(MO, "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    po = {m.id: m.string for m in _read_po(PO) if m.id}
    assert {m: compiled.gettext(m) for m in po} == po, "run: bash scripts/i18n.sh compile"


# ---- statements -------------------------------------------------------------------------

EN = """# Title

Write `f(x)` returning `x + 1`.

## Conventions

| key | value |
|---|---|
| `a` | one |

```python
def f(x):
    return x + 1
```
"""
ZH = """# 标题

编写 `f(x)`，返回 `x + 1`。

## 约定

| 键 | 值 |
|---|---|
| `a` | 一 |

```python
def f(x):
    return x + 1
```
"""


def test_a_faithful_translation_has_no_finding():
    assert statements.compare(EN, ZH) == []


@pytest.mark.parametrize("change,expected", [
    (lambda t: t.replace("## 约定\n", ""), ["2 headings in spec.md, 1 in spec.zh.md"]),
    (lambda t: t.replace("| `a` | 一 |\n", ""), ["3 table rows in spec.md, 2 in spec.zh.md",
                                                 "`a` appears 1× in spec.md, 0× in spec.zh.md"]),
    (lambda t: t.replace("return x + 1", "return x+1"), ["code block 1 differs (in spec.md it begins 'def f(x):')"]),
    (lambda t: t.replace("```python", "```"), ["code block 1 differs (in spec.md it begins 'def f(x):')"]),
    (lambda t: t.replace("，返回 `x + 1`", ""), ["`x + 1` appears 1× in spec.md, 0× in spec.zh.md"]),
    (lambda t: t.replace("`f(x)`", "`f(y)`"), ["`f(x)` appears 1× in spec.md, 0× in spec.zh.md",
                                               "`f(y)` appears 0× in spec.md, 1× in spec.zh.md"]),
    (lambda t: t + "\n```\nmore\n```\n", ["1 code blocks in spec.md, 2 in spec.zh.md"]),
])
def test_each_difference_is_one_finding(change, expected):
    assert statements.compare(EN, change(ZH)) == expected


def test_inline_code_may_wrap_a_line_and_fences_may_be_indented():
    en = "Use `tf.keras.optimizers.SGD(learning_rate=0.1,\nmomentum=0.9)`.\n\n- step:\n\n  ```\n  x = 1\n  ```\n"
    zh = "使用 `tf.keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)`。\n\n- 步骤：\n\n  ```\n  x = 1\n  ```\n"
    assert statements.compare(en, zh) == []
    parts = statements.parse(en)
    assert parts.code_blocks == ["```\n  x = 1"] and parts.headings == []


def test_missing_and_empty_statements(tmp_path):
    (tmp_path / "spec.md").write_text("# T\n")
    assert statements.findings(tmp_path) == ["spec.zh.md missing"]
    (tmp_path / "spec.zh.md").write_text("  \n")
    assert statements.findings(tmp_path) == ["spec.zh.md is empty"]


@pytest.mark.parametrize("root,pid", [(REPO, p) for p in problems.list_ids(REPO)]
                         + [(FIXTURE_ROOT, p) for p in problems.list_ids(FIXTURE_ROOT)])
def test_statement_pairs_agree(root, pid):
    folder = root / "problems" / pid
    if pid in PENDING_TRANSLATION and not (folder / "spec.zh.md").exists():
        pytest.xfail(f"{pid}: spec.zh.md is being written by another engineer")
    assert statements.findings(folder) == []
    zh = (folder / "spec.zh.md").read_text(encoding="utf-8")
    assert len(CJK.findall(zh)) > 0.2 * len(re.sub(r"```.*?```", "", zh, flags=re.S).split())


def test_verify_reports_each_statement_finding(tmp_path):
    from judge.verify import _structure

    root = tmp_path / "repo"
    shutil.copytree(FIXTURE_ROOT, root)
    spec = root / "problems" / "toy" / "spec.zh.md"
    spec.write_text(spec.read_text(encoding="utf-8").replace("`a * x`", "a 乘以 x"), encoding="utf-8")
    found = []
    assert _structure(problems.load("toy", root), lambda level, text: found.append((level, text)))
    assert found == [("error", "statement: `a * x` appears 1× in spec.md, 0× in spec.zh.md")]
    spec.unlink()
    found.clear()
    _structure(problems.load("toy", root), lambda level, text: found.append((level, text)))
    assert found == [("error", "statement: spec.zh.md missing")]


# ---- show and init ------------------------------------------------------------------------

@pytest.fixture
def judge_cli(fixture_root, judge_home, tmp_path):
    def run(*args, env=None, root=fixture_root):
        full = {**os.environ, "JUDGE_ROOT": str(root), "JUDGE_HOME": str(judge_home), **(env or {})}
        return subprocess.run([sys.executable, "-m", "judge.cli", *map(str, args)], capture_output=True,
                              text=True, env=full, cwd=tmp_path, timeout=300)

    return run


def test_show_in_each_language(judge_cli):
    zh = (FIXTURE_ROOT / "problems" / "toy" / "spec.zh.md").read_text(encoding="utf-8")
    en = (FIXTURE_ROOT / "problems" / "toy" / "spec.md").read_text(encoding="utf-8")
    assert judge_cli("show", "toy", "--lang", "zh").stdout.strip() == zh.strip()
    assert judge_cli("show", "toy", "--lang", "en").stdout.strip() == en.strip()
    assert judge_cli("show", "toy").stdout.strip() == en.strip()  # LANG=C.UTF-8 (conftest)
    assert judge_cli("show", "toy", env={"LANG": "zh_CN.UTF-8"}).stdout.strip() == zh.strip()
    assert judge_cli("show", "toy", env={"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}).stdout.strip() == en.strip()
    bad = judge_cli("show", "toy", "--lang", "fr")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "'fr'" in bad.stderr


def test_show_without_a_translation_says_so_and_shows_english(judge_cli, tmp_path):
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE_ROOT, root)
    (root / "problems" / "toy" / "spec.zh.md").unlink()
    proc = judge_cli("show", "toy", "--lang", "zh", root=root)
    assert proc.returncode == 0 and "Implement `scale(x, a)`" in proc.stdout
    assert "尚无中文题面" in proc.stderr


def test_init_in_chinese_writes_the_chinese_statement_and_readme(judge_cli, tmp_path):
    proc = judge_cli("init", "toy", tmp_path / "pack", "--lang", "zh")
    assert proc.returncode == 0, proc.stderr
    assert "已写入" in proc.stdout and "judge test toy" in proc.stdout
    pack = tmp_path / "pack"
    problem = FIXTURE_ROOT / "problems" / "toy"
    assert (pack / "spec.md").read_bytes() == (problem / "spec.zh.md").read_bytes()
    assert (pack / "spec.en.md").read_bytes() == (problem / "spec.md").read_bytes()
    readme = (pack / "README.md").read_text(encoding="utf-8")
    assert readme.startswith("# 玩具题\n") and "题面在 spec.md 中" in readme and "spec.en.md" in readme
    assert "judge test toy ." in readme and "judge submit toy ." in readme  # commands untouched
    for english in ("The statement is in", "judged on the hidden tests", "the public tests in tests/"):
        assert english not in readme
    assert (pack / "solution.py").is_file() and (pack / "tests" / "test_public.py").is_file()


def test_init_in_english_is_unchanged(tmp_path, fixture_root):
    pack = service.init("toy", tmp_path / "pack", root=fixture_root)
    assert (pack / "spec.md").read_bytes() == (fixture_root / "problems" / "toy" / "spec.md").read_bytes()
    assert not (pack / "spec.en.md").exists()
    readme = (pack / "README.md").read_text()
    assert "The statement is in spec.md" in readme and not CJK.search(readme)


# ---- candidate reports in Chinese -----------------------------------------------------------

KINDS = {
    "accepted": ("submissions", "accepted", "loop"),
    "partial": ("submissions", "partial", "no-scale"),
    "failing": ("starter",),
    "import-crash": ("submissions", "runtime_error", "import-crash"),
    "syntax": ("submissions", "compilation_error", None),
}


@pytest.fixture(scope="module")
def judged(tmp_path_factory, local_backend):
    home = tmp_path_factory.mktemp("i18n-home")
    store = Store(home)
    docs = {}
    for kind, where in KINDS.items():
        if where[0] == "starter":
            path = FIXTURE_ROOT / "problems" / "toy" / "starter"
        elif where[2] is None:
            path = next((FIXTURE_ROOT / "submissions" / "toy" / where[1]).iterdir())
        else:
            path = FIXTURE_ROOT / "submissions" / "toy" / where[1] / where[2]
        docs[kind] = service.submit("toy", path, backend=local_backend, seed=SEED, store=store, root=FIXTURE_ROOT)
    yield docs
    store.close()


def _html_text(page: str) -> str:
    page = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    labels = " ".join(re.findall(r'data-label="([^"]*)"', page))
    return re.sub(r"<[^>]+>", " ", page) + " " + labels


def human_text(text: str, fmt: str) -> str:
    """What a person reads in a report: labels and messages, not keys, enum values or markup."""
    if fmt in ("terminal", "md"):
        return text
    if fmt == "html":
        return _html_text(text)
    if fmt == "json":
        data = json.loads(text)
        bits = [data["message"], data["verdict_label"], data["verdict_explanation"]]
        for t in data["tests"]:
            bits += [t["message"], t["outcome_label"]] + [c["status_label"] for c in t["checks"]]
        return "\n".join(bits)
    if fmt == "gradescope":
        data = json.loads(text)
        return "\n".join([data["output"]] + [t["output"] for t in data["tests"]])
    root = ET.fromstring(text)  # junit: text nodes, failure/error messages, the message and label properties
    props = [p.get("value") for p in root.iter("property") if p.get("name") in ("message", "verdict_label")]
    return "\n".join([el.text or "" for el in root.iter()] + [el.get("message", "") for el in root.iter()] + props)


def english_left(text: str) -> list[str]:
    """The catalog's English strings (each literal piece of a msgid) found in ``text``."""
    found = []
    for msgid in _msgids(_read_po(POT)):
        for piece in re.split(r"\{\w*\}", msgid):
            piece = piece.strip(" .,:;()/+—-")
            if re.search(r"[A-Za-z]", piece) and re.search(rf"(?<![\w]){re.escape(piece)}(?![\w])", text):
                found.append(piece)
    return found


@pytest.mark.parametrize("fmt", reports.FORMATS)
@pytest.mark.parametrize("kind", list(KINDS))
def test_a_chinese_candidate_report_has_no_english_candidate_string(judged, kind, fmt):
    doc = judged[kind]
    zh = human_text(reports.render(doc, fmt, "candidate", lang="zh"), fmt)
    assert english_left(zh) == []
    assert i18n.translator("zh")(reports.fields.VERDICT_LABEL[doc["verdict"]]) in zh
    # the same check on the English report finds the English strings: it can fail
    en = human_text(reports.render(doc, fmt, "candidate", lang="en"), fmt)
    assert len(english_left(en)) >= 2 and not CJK.search(en)


def test_the_verdicts_of_the_samples(judged):
    assert {k: d["verdict"] for k, d in judged.items()} == {
        "accepted": "accepted", "partial": "partial", "failing": "wrong_answer",
        "import-crash": "runtime_error", "syntax": "compilation_error"}


def test_chinese_json_keeps_keys_and_enum_values_english(judged):
    doc = judged["partial"]
    zh = json.loads(reports.render(doc, "json", "candidate", lang="zh"))
    en = json.loads(reports.render(doc, "json", "candidate", lang="en"))
    assert zh.keys() == en.keys() and zh["verdict"] == en["verdict"] == "partial"
    assert [t["outcome"] for t in zh["tests"]] == [t["outcome"] for t in en["tests"]]
    assert (zh["lang"], zh["verdict_label"], en["verdict_label"]) == ("zh", "部分通过", "Partial")
    assert zh["message"] == "得分 2 / 4" and en["message"] == "2 of 4 points"


def test_fixed_pipeline_messages_are_translated(judged):
    from judge.report.audience import PIPELINE_MESSAGES

    source = (REPO / "judge" / "pipeline.py").read_text(encoding="utf-8")
    for message in PIPELINE_MESSAGES:
        assert f'"{message}"' in source  # still what the pipeline writes
        doc = dict(judged["failing"], verdict="memory_limit_exceeded", message=message)
        zh = reports.render(doc, "md", "candidate", lang="zh")
        assert message not in zh and i18n.translator("zh")(message) in zh and "超出内存限制" in zh
        assert message in reports.render(doc, "md", "candidate", lang="en")


def test_cli_report_and_submit_in_chinese(judge_cli):
    proc = judge_cli("submit", "toy", FIXTURE_ROOT / "submissions" / "toy" / "partial" / "no-scale",
                     "--backend", "local", "--seed", SEED, "--audience", "candidate", "--lang", "zh")
    assert proc.returncode == 0, proc.stderr
    assert "部分通过" in proc.stdout and "分数" in proc.stdout and "test_hidden.py::test_scale" in proc.stdout
    assert english_left(proc.stdout) == []
    sid = json.loads(judge_cli("submit", "toy", FIXTURE_ROOT / "reference" / "toy", "--backend", "local",
                               "--seed", SEED, "--json").stdout)["id"]
    md = judge_cli("report", sid, "--format", "md", "--audience", "candidate", env={"LANG": "zh_CN.UTF-8"})
    assert md.returncode == 0 and "**通过**" in md.stdout and english_left(md.stdout) == []


def test_cli_test_in_chinese(judge_cli):
    proc = judge_cli("test", "toy", FIXTURE_ROOT / "reference" / "toy", "--lang", "zh")
    assert proc.returncode == 0, proc.stderr
    assert "公开测试通过" in proc.stdout and "通过" in proc.stdout and english_left(proc.stdout) == []


def _cjk_font() -> bool:
    fc = shutil.which("fc-list")
    return bool(fc and subprocess.run([fc, ":lang=zh"], capture_output=True, text=True).stdout.strip())


def test_chinese_html_report_in_a_headless_browser(judged, tmp_path):
    """A zh candidate report in Chromium: the DOM holds the Chinese text, and the screenshots
    (kept in $MLJUDGE_SCREENSHOTS when set, to look at) are drawn with a CJK font."""
    if not _cjk_font():
        if os.environ.get("CI"):
            pytest.fail("no CJK font (scripts/setup.sh installs fonts-noto-cjk)")
        pytest.skip("no CJK font: apt-get install -y fonts-noto-cjk")
    profile = tmp_path / "chromium-profile"
    page = tmp_path / "partial-candidate-zh.html"
    page.write_text(reports.render(judged["partial"], "html", "candidate", lang="zh"), encoding="utf-8")
    dom = dump_dom(page, profile)
    assert '<html lang="zh-CN">' in dom
    for text in ("部分通过", "你的结果", "满分测试", "测试是隐藏的", "候选人报告。", "不一致"):
        assert text in dom
    assert english_left(_html_text(dom)) == []
    shots = {}
    for name, size in (("phone", PHONE), ("laptop", LAPTOP)):
        png = tmp_path / f"partial-candidate-zh-{name}.png"
        assert screenshot(page, png, profile, size) == size
        assert png.stat().st_size > 5000
        shots[name] = png
    keep = os.environ.get("MLJUDGE_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for png in shots.values():
            shutil.copy(png, keep)
