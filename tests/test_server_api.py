"""The judge server's HTTP API in a real `judge serve` process: flow, roles, leaks, bad input, limits."""
import io
import zipfile
from pathlib import Path

import pytest

from judge.outputs import read_output

from .conftest import FIXTURE_ROOT
from .serverproc import Server, invite, roomy_root, token, wait_done

TOY = FIXTURE_ROOT / "submissions" / "toy"
HIDDEN = FIXTURE_ROOT / "problems" / "toy" / "hidden" / "test_hidden.py"


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return roomy_root(tmp_path_factory.mktemp("repo"))


@pytest.fixture(scope="module")
def srv(tmp_path_factory, root):
    home = tmp_path_factory.mktemp("server") / "home"
    home.mkdir()
    s = Server(home, root, "--workers", "2", "--submit-rate", "0").start()
    s.admin = token(home, root, "admin")
    s.interviewer = token(home, root, "interviewer")
    s.alice = invite(home, root, "toy", name="alice")
    s.bob = invite(home, root, "toy", name="bob")
    yield s
    s.stop()


def upload(client, sample=("partial", "no-scale"), problem="toy"):
    data = (TOY / sample[0] / sample[1] / "solution.py").read_bytes()
    return client.post("/submissions", data={"problem": problem}, files=[("files", ("solution.py", data))])


@pytest.fixture(scope="module")
def judged(srv):
    """alice's partial and bob's accepted submission, judged."""
    a, b = srv.client(srv.alice), srv.client(srv.bob)
    ra, rb = upload(a), upload(b, ("accepted", "loop"))
    assert ra.status_code == 202 and rb.status_code == 202, (ra.text, rb.text)
    return {"alice": wait_done(a, ra.json()["id"])["id"], "bob": wait_done(b, rb.json()["id"])["id"]}


def test_submission_is_queued_then_judged_with_the_callers_view(srv, judged):
    a = srv.client(srv.alice)
    st = a.get(f"/submissions/{judged['alice']}").json()
    assert st["state"] == "done" and st["verdict"] == "partial" and st["score"] == 50
    assert st["result"]["audience"] == "candidate" and "seed" not in st["result"]
    full = srv.client(srv.interviewer).get(f"/submissions/{judged['alice']}").json()["result"]
    assert full["seed"] == st["result"].get("seed", full["seed"]) and "run" in full and full["label"] == "alice"


def test_queue_position_is_reported_on_acceptance(srv):
    r = upload(srv.client(srv.interviewer), ("accepted", "loop"))
    assert r.status_code == 202
    body = r.json()
    assert body["state"] in ("queued", "running", "done") and isinstance(body["position"], int)
    assert body["state"] != "queued" or body["position"] >= 1


# role × endpoint: the status each caller gets (None: no token)
MATRIX = [
    # method, path, anonymous, alice (candidate), interviewer, admin
    ("GET", "/health", 200, 200, 200, 200),
    ("GET", "/me", 401, 200, 200, 200),
    ("GET", "/problems", 401, 200, 200, 200),
    ("GET", "/problems/toy", 401, 200, 200, 200),
    ("GET", "/problems/toy/statement", 401, 200, 200, 200),
    ("GET", "/problems/toy/pack", 401, 200, 200, 200),
    ("GET", "/submissions", 401, 200, 200, 200),
    ("GET", "/submissions/{alice}", 401, 200, 200, 200),
    ("GET", "/submissions/{bob}", 401, 404, 200, 200),
    ("GET", "/submissions/{alice}/report?format=html", 401, 200, 200, 200),
    ("GET", "/submissions/{alice}/report?audience=interviewer", 401, 403, 200, 200),
    ("GET", "/submissions/{bob}/report", 401, 404, 200, 200),
    ("POST", "/submissions/{alice}/rejudge", 401, 403, 202, 202),
    ("GET", "/invites", 401, 403, 200, 200),
    ("POST", "/invites", 401, 403, 201, 201),
    ("GET", "/tokens", 401, 403, 403, 200),
    ("POST", "/tokens", 401, 403, 403, 201),
]


@pytest.mark.parametrize("method,path,expected", [(m, p, e) for m, p, *e in MATRIX],
                         ids=[f"{m} {p}" for m, p, *_ in MATRIX])
def test_authorization_matrix(srv, judged, method, path, expected):
    path = path.format(**judged)
    body = {"/invites": {"problems": ["toy"], "name": "matrix"}, "/tokens": {"role": "interviewer"}}.get(path)
    for who, want in zip((None, srv.alice, srv.interviewer, srv.admin), expected):
        r = srv.client(who).request(method, path, json=body)
        assert r.status_code == want, (who and who[:8], method, path, r.text[:200])
        if r.status_code >= 400:
            assert set(r.json()) == {"error"} and "\n" not in r.json()["error"]


def test_candidate_cannot_find_other_submissions_by_guessing_ids(srv, judged):
    a = srv.client(srv.alice)
    mine = {r["id"] for r in a.get("/submissions", params={"limit": 500}).json()}
    assert judged["alice"] in mine and judged["bob"] not in mine
    for sid in range(1, max(judged.values()) + 5):
        if sid in mine:
            continue
        for path in (f"/submissions/{sid}", f"/submissions/{sid}/report"):
            r = a.get(path)
            assert r.status_code == 404 and r.json() == {"error": f"no submission {sid}"}


def test_a_candidate_sees_only_invited_problems(srv, root):
    scoped = invite(srv.home, root, "toy", name="carol")
    c = srv.client(scoped)
    assert [p["id"] for p in c.get("/problems").json()] == ["toy"]
    assert c.get("/problems/other").status_code == 404


def _reference_values(home: Path) -> list[str]:
    texts = set()
    for session in (home / "cache" / "reference" / "toy").rglob("session.json"):
        out = read_output(session.parent)
        for t in out.tests.values():
            for c in t.checks.values():
                for v in c["value"].ravel().tolist() if c["value"] is not None else []:
                    if isinstance(v, float) and abs(v) > 1e-3 and v not in (1.0, 2.0, 3.0):
                        texts |= {repr(v), f"{v:.6g}", f"{v:.5f}"}
    assert texts, "no reference records found: the leak test would prove nothing"
    return sorted(texts)


def _hidden_lines() -> list[str]:
    return [ln.strip() for ln in HIDDEN.read_text().splitlines()
            if len(ln.strip()) >= 12 and not ln.startswith(("import ", "from "))]


def test_nothing_a_candidate_can_fetch_holds_hidden_source_or_reference_values(srv, judged):
    a = srv.client(srv.alice)
    bodies = []
    for path in ("/me", "/problems", "/problems/toy", "/problems/toy/statement", "/submissions",
                 f"/submissions/{judged['alice']}", f"/submissions/{judged['bob']}", "/invites", "/tokens"):
        bodies.append(a.get(path).text)
    for fmt in ("json", "html", "md", "junit", "gradescope", "terminal"):
        bodies.append(a.get(f"/submissions/{judged['alice']}/report", params={"format": fmt}).text)
    pack = zipfile.ZipFile(io.BytesIO(a.get("/problems/toy/pack").content))
    names = pack.namelist()
    assert not any("hidden" in n or "reference" in n for n in names), names
    bodies += [pack.read(n).decode("utf-8", "replace") for n in names]
    blob = "\n".join(bodies)
    for line in _hidden_lines():
        assert line not in blob, line
    for value in _reference_values(srv.home):
        assert value not in blob, value
    for key in ('"series"', '"max_abs_err"', '"details"', '"stdout"', '"seed"'):
        assert key not in blob, key


BAD_UPLOADS = [
    ("no files", {}, 400),
    ("not a zip", {"archive": ("s.zip", b"hello", "application/zip")}, 400),
    ("traversal", "zip:../evil.py", 400),
    ("absolute", "zip:/etc/evil.py", 400),
]


@pytest.mark.parametrize("label,files,status", BAD_UPLOADS, ids=[b[0] for b in BAD_UPLOADS])
def test_bad_uploads_get_a_one_line_4xx(srv, label, files, status):
    if isinstance(files, str):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr(files[4:], "x = 1\n")
        files = {"archive": ("s.zip", buf.getvalue(), "application/zip")}
    r = srv.client(srv.interviewer).post("/submissions", data={"problem": "toy"}, files=files)
    assert r.status_code == status, r.text
    assert list(r.json()) == ["error"] and "Traceback" not in r.text


def test_a_body_larger_than_the_judge_keeps_is_refused_before_it_is_read(srv):
    """413 from the declared length with no body sent, and from a chunked body as soon as it passes the cap."""
    import http.client

    from judge.server.bodycap import MAX_BODY

    host, port = "127.0.0.1", srv.port
    headers = {"Authorization": f"Bearer {srv.interviewer}", "Content-Type": "multipart/form-data; boundary=x"}
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.putrequest("POST", "/api/v1/submissions")
    for k, v in {**headers, "Content-Length": str(10 ** 12)}.items():
        conn.putheader(k, v)
    conn.endheaders()  # a terabyte announced, nothing sent: the answer cannot wait for the body
    r = conn.getresponse()
    assert r.status == 413 and "larger than the judge accepts" in r.read().decode()
    conn.close()

    def chunks():  # a well-formed file part whose content never ends
        yield b'--x\r\nContent-Disposition: form-data; name="files"; filename="solution.py"\r\n\r\n'
        block = b"#" * (1 << 20)
        for _ in range(MAX_BODY // len(block) + 8):
            yield block
    conn = http.client.HTTPConnection(host, port, timeout=60)
    try:
        conn.request("POST", "/api/v1/submissions", body=chunks(), headers=headers, encode_chunked=True)
        r = conn.getresponse()
        status, text = r.status, r.read().decode()
    except (BrokenPipeError, ConnectionResetError):  # the server answered and closed while we still sent
        r = conn.getresponse()
        status, text = r.status, r.read().decode()
    finally:
        conn.close()
    assert status == 413 and "larger than the judge accepts" in text, (status, text[:200])
    assert srv.client(srv.interviewer).get("/health").status_code == 200  # and the server still answers


def test_malformed_requests_get_one_line_errors(srv):
    c = srv.client(srv.interviewer)
    for r in (c.get("/submissions/abc"), c.get("/submissions/999999"), c.post("/submissions", data={}),
              c.post("/invites", content=b"{not json", headers={"content-type": "application/json"}),
              c.post("/invites", json={"problems": ["nope"], "name": "x"}),
              c.get("/submissions/1/report", params={"format": "pdf"}),
              c.get("/problems/../../etc/passwd"), c.get("/submissions", params={"limit": 0})):
        assert 400 <= r.status_code < 500, (r.request.url, r.status_code, r.text)
        assert list(r.json()) == ["error"] and "\n" not in r.json()["error"]


def test_an_invalid_submission_is_stored_and_judged_invalid(srv):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("sub/other.py", "x = 1\n")
    c = srv.client(srv.interviewer)
    r = c.post("/submissions", data={"problem": "toy"}, files={"archive": ("s.zip", buf.getvalue())})
    assert r.status_code == 202
    st = wait_done(c, r.json()["id"])
    assert st["verdict"] == "invalid_submission" and "missing solution.py" in st["result"]["message"]


def test_zip_of_a_folder_is_judged(srv):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.write(TOY / "accepted" / "loop" / "solution.py", "mywork/solution.py")
    c = srv.client(srv.alice)
    r = c.post("/submissions", data={"problem": "toy"}, files={"archive": ("s.zip", buf.getvalue())})
    assert r.status_code == 202
    assert wait_done(c, r.json()["id"])["verdict"] == "accepted"


def test_invite_limits_revocation_and_expiry(srv):
    c = srv.client(srv.interviewer)
    inv = c.post("/invites", json={"problems": ["toy"], "name": "dave", "max_submissions": 1}).json()
    d = srv.client(inv["token"])
    assert upload(d).status_code == 202
    r = upload(d)
    assert r.status_code == 429 and "submission limit" in r.json()["error"]
    assert c.delete(f"/invites/{inv['token_id']}").status_code == 200
    assert d.get("/me").status_code == 401
    assert any(i["name"] == "dave" and i["revoked"] for i in c.get("/invites").json())
    short = c.post("/invites", json={"problems": ["toy"], "name": "eve", "expires": "1s"}).json()
    import time

    time.sleep(1.5)
    assert srv.client(short["token"]).get("/me").status_code == 401


def test_tokens_are_stored_hashed(srv):
    from judge.store import Store

    db = (srv.home / "judge.db").read_bytes()
    for t in (srv.admin, srv.interviewer, srv.alice):
        assert t.encode() not in db
    assert Store(srv.home).find_token(srv.alice)["role"] == "candidate"


def test_rate_limit_and_queue_cap(tmp_path, root):
    home = tmp_path / "home"
    s = Server(home, root, "--submit-rate", "2", "--max-queue", "100").start()
    try:
        c = s.client(token(home, root, "interviewer"))
        codes = [upload(c).status_code for _ in range(3)]
        assert codes[:2] == [202, 202] and codes[2] == 429
    finally:
        s.stop()
    s = Server(home, root, "--max-queue", "0").start()
    try:
        r = upload(s.client(token(home, root, "interviewer")))
        assert r.status_code == 503 and "queue is full" in r.json()["error"]
    finally:
        s.stop()


def test_openapi_page_lists_the_api(srv):
    c = srv.client()
    spec = c.get(srv.url + "/openapi.json").json()
    assert "/api/v1/submissions" in spec["paths"] and "/api/v1/problems/{problem_id}/pack" in spec["paths"]
    assert c.get(srv.url + "/docs").status_code == 200


def test_a_chinese_invite_reads_statement_pack_and_reports_in_chinese(srv, root):
    """An invite's language is the default of everything the candidate reads (issue 14)."""
    import io
    import zipfile

    import httpx

    tok = invite(srv.home, root, "toy", name="li", lang="zh")
    c = srv.client(tok)
    zh_spec = (root / "problems" / "toy" / "spec.zh.md").read_text(encoding="utf-8")
    assert c.get("/problems/toy/statement").text == zh_spec
    assert c.get("/problems/toy/statement", params={"lang": "en"}).text != zh_spec
    pack = zipfile.ZipFile(io.BytesIO(c.get("/problems/toy/pack").content))
    assert pack.read("toy/spec.md").decode() == zh_spec and "toy/spec.en.md" in pack.namelist()
    sid = upload(c).json()["id"]
    wait_done(c, sid)
    md = c.get(f"/submissions/{sid}/report", params={"format": "md"}).text
    assert "部分通过" in md and "Partial" not in md, md[:400]  # the candidate report, in Chinese
    assert c.get(f"/submissions/{sid}/report", params={"lang": "xx"}).status_code == 400
    page = httpx.get(srv.url + f"/submissions/{sid}", cookies={"judge_session": tok})
    assert page.status_code == 200 and "你的结果" in page.text and 'lang="zh-CN"' in page.text
