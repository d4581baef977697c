"""Reports in every format for both audiences, on an accepted, a partial and a failing submission.

The candidate audience must never show hidden test source or reference
values; the interviewer audience shows everything (and the tests check that
it does, so the candidate checks cannot pass by accident).
"""
import html
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from judge import report as reports
from judge import service
from judge.outputs import read_output
from judge.problem import load
from judge.reference import cache_dir
from judge.report import gradescope, junit
from judge.store import Store

from .browser import LAPTOP, PHONE, dump_dom, screenshot
from .conftest import FIXTURE_ROOT

SEED = 12345
HIDDEN = FIXTURE_ROOT / "problems" / "toy" / "hidden" / "test_hidden.py"
KINDS = ("accepted", "partial", "failing", "zero", "leaker", "import-leaker")
FORMATS = reports.FORMATS
ZERO = "def scale(x, a):\n    return 0.0 * x\n\n\ndef total(x):\n    return 0.0\n"
# Submissions that read the hidden tests (they are in the sandbox) and raise with their text,
# in every test or at import: exception messages must not carry it to the candidate.
_READ_HIDDEN = ("import os, sys\n_t = sys.argv[sys.argv.index('--tests') + 1]\n"
                "_src = ' '.join(open(os.path.join(_t, f)).read() for f in sorted(os.listdir(_t))"
                " if f.endswith('.py')).replace(chr(10), ' ')\n")
LEAKER = _READ_HIDDEN + "def scale(x, a):\n    raise ValueError(_src)\n\n\ndef total(x):\n    raise ValueError(_src)\n"
IMPORT_LEAKER = _READ_HIDDEN + "raise ValueError(_src)\n"


@pytest.fixture(scope="module")
def judged(tmp_path_factory, local_backend):
    """Four submissions judged once for the module: docs, stored sources and the reference records."""
    home = tmp_path_factory.mktemp("reports-home")
    mp = pytest.MonkeyPatch()
    mp.setenv("JUDGE_HOME", str(home))
    mp.setenv("JUDGE_ROOT", str(FIXTURE_ROOT))
    zero = tmp_path_factory.mktemp("zero") / "solution.py"
    zero.write_text(ZERO)
    leaker = tmp_path_factory.mktemp("leaker") / "solution.py"
    leaker.write_text(LEAKER)
    import_leaker = tmp_path_factory.mktemp("import-leaker") / "solution.py"
    import_leaker.write_text(IMPORT_LEAKER)
    paths = {
        "accepted": FIXTURE_ROOT / "submissions" / "toy" / "accepted" / "loop",
        "partial": FIXTURE_ROOT / "submissions" / "toy" / "partial" / "no-scale",
        "failing": FIXTURE_ROOT / "problems" / "toy" / "starter",  # raises NotImplementedError in every test
        "zero": zero,  # total() returns 0.0: its absolute error *is* the reference value
        "leaker": leaker,
        "import-leaker": import_leaker,
    }
    store = Store(home)
    docs, sources = {}, {}
    for kind, path in paths.items():
        docs[kind] = service.submit("toy", path, backend=local_backend, seed=SEED, store=store, root=FIXTURE_ROOT)
        sources[kind] = reports.stored_sources(store, docs[kind]["id"])
    ref = read_output(cache_dir(load("toy", FIXTURE_ROOT), SEED, local_backend))
    values = {name: np.asarray(c["value"]) for t in ref.tests.values() for name, c in t.checks.items()}
    yield {"docs": docs, "sources": sources, "ref": values, "home": home}
    store.close()
    mp.undo()


def out(judged, kind, fmt, audience):
    return reports.render(judged["docs"][kind], fmt, audience, judged["sources"][kind])


def test_the_samples_get_the_expected_verdicts(judged):
    verdicts = {k: d["verdict"] for k, d in judged["docs"].items()}
    assert verdicts == {"accepted": "accepted", "partial": "partial", "failing": "wrong_answer",
                        "zero": "partial", "leaker": "wrong_answer", "import-leaker": "runtime_error"}
    # the positive control: the leaked source really is in the messages the judge stored
    assert "rtol=1e-9" in judged["docs"]["leaker"]["tests"][0]["message"]


@pytest.mark.parametrize("audience", ["interviewer", "candidate"])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", ["accepted", "partial", "failing"])
def test_every_format_and_audience(judged, kind, fmt, audience):
    doc = judged["docs"][kind]
    text = out(judged, kind, fmt, audience)
    assert text.strip()
    for t in doc["tests"]:
        assert t["name"].split("::")[-1] in text  # every hidden test is named
    if fmt == "json":
        data = json.loads(text)
        assert (data["verdict"], data["score"], data["audience"]) == (doc["verdict"], doc["score"], audience)
    elif fmt == "gradescope":
        data = json.loads(text)
        assert data["score"] == doc["score"]
    elif fmt == "junit":
        ET.fromstring(text)
    elif fmt in ("html", "md", "terminal"):
        label = {"accepted": "Accepted", "partial": "Partial", "wrong_answer": "Wrong answer"}[doc["verdict"]]
        assert (label if fmt != "terminal" else doc["verdict"]) in text
    if audience == "interviewer" and fmt in ("html", "md", "terminal"):
        assert f"{doc['seed']}" in text and doc["problem_digest"] in text and "0.1.0" in text
        assert "def total(" in text  # the submission's source, with line numbers
    if audience == "interviewer" and fmt in ("html", "md"):
        assert "peak memory" in text.lower()


def _hidden_lines():
    lines = [ln.strip() for ln in HIDDEN.read_text().splitlines()]
    return [ln for ln in lines if len(ln) >= 12 and not ln.startswith(("def test_", "import "))]


def _variants(s: str) -> set[str]:
    """The forms a string takes in the formats: raw, HTML-escaped, JSON- and XML-escaped."""
    return {s, html.escape(s), html.escape(s, quote=False), json.dumps(s)[1:-1],
            s.replace('"', "&quot;"), s.replace('"', "&#34;")}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_candidate_sees_no_hidden_test_source(judged, kind, fmt):
    lines = _hidden_lines()
    assert 'check("scaled", solution.scale(x, 3.0), rtol=1e-9, atol=1e-12)' in lines
    text = out(judged, kind, fmt, "candidate")
    for line in lines:
        for form in _variants(line):
            assert form not in text, f"hidden test source in the candidate {fmt}: {line}"
    # pytest's long repr and the run's logs: file:line of the hidden test, its locals, pytest's summary
    for word in ("test_hidden.py:7", "rng = Generator", "[100%]", " passed in ", " failed in ", '"details"'):
        assert word not in text


@pytest.mark.parametrize("fmt", ["json", "md", "html", "junit", "terminal", "gradescope"])
def test_interviewer_sees_the_hidden_failure_details(judged, fmt):
    """The positive control for the test above: the failing run's details quote the hidden test."""
    text = out(judged, "failing", fmt, "interviewer")
    line = 'check("scaled", solution.scale(x, 3.0), rtol=1e-9, atol=1e-12)'
    assert any(form in text for form in _variants(line))


def _number_forms(x: float) -> set[str]:
    return {repr(float(x)), f"{x:.6g}", f"{x:.4g}", f"{x:.10f}".rstrip("0")}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", KINDS)
def test_candidate_sees_no_reference_value(judged, kind, fmt):
    ref_total = float(judged["ref"]["total"])
    scaled = judged["ref"]["scaled"].ravel()
    text = out(judged, kind, fmt, "candidate")
    for x in [ref_total, abs(ref_total), *scaled[:6], *np.abs(scaled[:6]), float(np.max(np.abs(scaled)))]:
        for form in _number_forms(float(x)):
            assert form not in text, f"reference value {x} in the candidate {fmt} of {kind}"


def test_the_interviewer_error_sizes_do_reveal_the_reference(judged):
    """Why the candidate sees no error sizes: |0.0 - ref| is the reference, up to its sign."""
    ref_total = float(judged["ref"]["total"])
    doc = judged["docs"]["zero"]
    total = next(c for t in doc["tests"] for c in t["checks"] if c["name"] == "total")
    assert total["max_abs_err"] == pytest.approx(abs(ref_total))
    assert repr(abs(ref_total)) in out(judged, "zero", "json", "interviewer")
    assert f"{abs(ref_total):.3g}" in out(judged, "zero", "html", "interviewer")


@pytest.mark.parametrize("audience", ["interviewer", "candidate"])
@pytest.mark.parametrize("kind", ["accepted", "partial", "failing"])
def test_junit_has_one_testcase_per_hidden_test(judged, kind, audience):
    doc = judged["docs"][kind]
    root = ET.fromstring(out(judged, kind, "junit", audience))
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [t["name"].split("::")[-1] for t in doc["tests"]]
    assert {c.get("classname") for c in cases} == {"toy.test_hidden"}
    failures = [c for c in cases if c.find("failure") is not None]
    errors = [c for c in cases if c.find("error") is not None]
    assert int(suite.get("tests")) == len(doc["tests"]) == 3
    assert int(suite.get("failures")) == len(failures) and int(suite.get("errors")) == len(errors)
    expected_bad = {"accepted": 0, "partial": 1, "failing": 3}[kind]
    assert len(failures) + len(errors) == expected_bad
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert props["verdict"] == doc["verdict"]
    assert ("seed" in props) == (audience == "interviewer")
    if kind == "partial":
        (bad,) = failures
        assert bad.get("name") == "test_scale" and bad.find("failure").get("type") == "check_mismatch"


def test_junit_of_a_submission_with_no_tests_run(judged):
    doc = dict(judged["docs"]["failing"], verdict="compilation_error", tests=[], run=None,
               message="solution.py:1:16: expected ':'", earned=0.0, total=0.0, score=0.0)
    root = ET.fromstring(junit.render(reports.view(doc, "candidate")))
    (case,) = root.iter("testcase")
    assert case.find("error").get("type") == "compilation_error"


def test_junit_drops_characters_xml_cannot_hold(judged):
    doc = json.loads(json.dumps(judged["docs"]["failing"]))
    doc["run"]["stdout"] = "colour \x1b[31mred\x1b[0m and a NUL \x00 byte"
    doc["tests"][0]["details"] = "bell \x07 here"
    ET.fromstring(junit.render(reports.view(doc, "interviewer")))


@pytest.mark.parametrize("audience", ["interviewer", "candidate"])
@pytest.mark.parametrize("kind", ["accepted", "partial", "failing"])
def test_gradescope_follows_the_spec(judged, kind, audience):
    doc = judged["docs"][kind]
    data = json.loads(out(judged, kind, "gradescope", audience))
    assert {"score", "max_score", "output", "visibility", "stdout_visibility", "tests"} <= data.keys()
    assert data["max_score"] == 100 and data["score"] == doc["score"]
    assert len(data["tests"]) == len(doc["tests"])
    want = "visible" if audience == "candidate" else "hidden"
    for entry, t in zip(data["tests"], doc["tests"]):
        assert {"name", "score", "max_score", "status", "output", "visibility"} <= entry.keys()
        assert entry["visibility"] == want and entry["status"] in ("passed", "failed")
        assert (entry["score"], entry["max_score"]) == (t["earned"], t["weight"])
        assert isinstance(entry["output"], str)
    assert data["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
    assert sum(e["max_score"] for e in data["tests"]) == doc["total"]
    assert (gradescope.results(reports.view(doc, audience))["tests"][0]["status"] == "passed") == (kind == "accepted")


def test_html_is_self_contained_and_escapes_untrusted_text(judged):
    doc = json.loads(json.dumps(judged["docs"]["failing"]))
    evil = '</td><script>alert(1)</script><img src="http://example.invalid/x.png">'
    doc["tests"][0]["message"] = evil
    doc["label"] = evil
    for audience in ("interviewer", "candidate"):
        page = reports.render(doc, "html", audience, {"solution.py": "x = 1  # " + evil})
        assert "<script" not in page.lower() and "<img" not in page.lower()
        assert "&lt;script&gt;" in page
        assert "http://" not in page.replace("http://example.invalid", "") and "https://" not in page
        assert "default-src 'none'" in page  # no fetch of any kind, whatever a page holds
        assert "@media print" in page and "@media (max-width" in page


def test_markdown_escapes_untrusted_text(judged):
    doc = json.loads(json.dumps(judged["docs"]["partial"]))
    doc["tests"][0]["outcome"], doc["tests"][0]["message"] = "failed", "<b>x</b> | `y`"
    doc["label"] = "<i>z</i> | w"
    text = reports.render(doc, "md", "interviewer")
    assert "<b>" not in text and "&lt;b&gt;" in text and "\\|" in text
    text = reports.render(doc, "md", "candidate")  # candidates see the label, not the message
    assert "<i>" not in text and "&lt;i&gt;" in text and "<b>" not in text and "&lt;b&gt;" not in text


def test_html_in_a_headless_browser(judged, tmp_path):
    """Load the pages in Chromium: what is shown, and a phone and a laptop screenshot."""
    profile = tmp_path / "chromium-profile"
    shown = {}
    for kind, audience in (("failing", "interviewer"), ("failing", "candidate"), ("partial", "candidate")):
        page = tmp_path / f"{kind}-{audience}.html"
        page.write_text(out(judged, kind, "html", audience), encoding="utf-8")
        shown[kind, audience] = dom = dump_dom(page, profile) if kind == "failing" else None
        doc = judged["docs"][kind]
        if dom is not None:
            assert 'id="verdict"' in dom and 'id="tests"' in dom and f'{doc["score"]:g}' in dom
            for t in doc["tests"]:
                assert t["name"] in dom
        png = tmp_path / f"{kind}-{audience}-phone.png"
        assert screenshot(page, png, profile, PHONE) == PHONE
        assert png.stat().st_size > 5000  # something was drawn
    inter, cand = shown["failing", "interviewer"], shown["failing", "candidate"]
    assert "Wrong answer" in inter and "Reproducibility" in inter and "Failures" in inter
    assert 'id="source-1"' in inter and "NotImplementedError" in inter
    assert "Reproducibility" not in cand and "Failures" not in cand and 'id="source-1"' not in cand
    assert "The tests are hidden" in cand
    laptop = tmp_path / "failing-interviewer-laptop.png"
    assert screenshot(tmp_path / "failing-interviewer.html", laptop, profile, LAPTOP) == LAPTOP
    keep = os.environ.get("MLJUDGE_SCREENSHOTS")  # a folder to keep the screenshots in, to look at them
    if keep:
        import shutil

        for png in tmp_path.glob("*.png"):
            shutil.copy(png, keep)


def test_cli_report_formats_and_output_file(fixture_root, judge_home, tmp_path):
    env = {**os.environ, "JUDGE_ROOT": str(fixture_root), "JUDGE_HOME": str(judge_home)}

    def judge_cli(*args):
        return subprocess.run([sys.executable, "-m", "judge.cli", *map(str, args)], capture_output=True,
                              text=True, env=env, cwd=tmp_path, timeout=300)

    proc = judge_cli("submit", "toy", fixture_root / "submissions" / "toy" / "partial" / "no-scale",
                     "--backend", "local", "--seed", SEED, "--json")
    assert proc.returncode == 0, proc.stderr
    sid = json.loads(proc.stdout)["id"]
    for n, fmt in enumerate(FORMATS):
        audience = ("interviewer", "candidate")[n % 2]
        target = tmp_path / f"r-{fmt}-{audience}"
        proc = judge_cli("report", sid, "--format", fmt, "--audience", audience, "-o", target)
        assert proc.returncode == 0, proc.stderr
        assert target.read_text().strip() and "Traceback" not in proc.stderr
    md = judge_cli("report", sid, "--format", "md", "--audience", "candidate")
    assert md.returncode == 0 and "Partial" in md.stdout and "test_scale" in md.stdout
    term = judge_cli("report", sid)  # interviewer terminal: details and the numbered source
    assert term.returncode == 0 and "solution.py" in term.stdout and "digest" in term.stdout
    bad = judge_cli("report", sid, "--format", "pdf")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_terminal_shows_markup_in_untrusted_text_literally(judged):
    doc = json.loads(json.dumps(judged["docs"]["failing"]))
    doc["label"], doc["tests"][0]["message"] = "[bold]x[/]y[/i]", "KeyError: '[/]' [red]"
    text = reports.render(doc, "terminal", "interviewer")
    assert "[bold]x[/]y[/i]" in text and "KeyError: '[/]' [red]" in text
    text = reports.render(doc, "terminal", "candidate")  # the label only: messages are not shown
    assert "[bold]x[/]y[/i]" in text and "KeyError" in text and "[red]" not in text
