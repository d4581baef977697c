"""The web UI in headless Chromium against a real `judge serve`: sign in, list, invite, upload, reports."""
import re

import httpx
import pytest

from .browser import png_size
from .conftest import FIXTURE_ROOT
from .serverproc import Server, roomy_root, token, wait_done

SAMPLES = FIXTURE_ROOT / "submissions" / "toy"
SERIES_TEST = '''

def test_running_total(check, solution):
    import numpy as np

    check("running", np.cumsum(solution.scale(np.arange(1.0, 9.0), 2.0)), rtol=1e-9)
'''


@pytest.fixture
def web(tmp_path):
    root = roomy_root(tmp_path)
    hidden = root / "problems" / "toy" / "hidden" / "test_hidden.py"
    hidden.write_text(hidden.read_text() + SERIES_TEST)  # a short 1-D check, for the interviewer's plot
    home = tmp_path / "home"
    s = Server(home, root, "--workers", "1").start()
    s.interviewer = token(home, root, "interviewer")
    yield s
    s.stop()


def sign_in(b, srv, tok):
    b.goto(srv.url + "/login")
    b.fill("#token", tok)
    b.click("#signin")


def test_interviewer_and_candidate_in_the_browser(web, tmp_path):
    from .cdp import Browser

    import os
    from pathlib import Path

    shots = Path(os.environ.get("MLJUDGE_ARTIFACTS") or tmp_path) / "web-screenshots"  # kept when the env is set
    shots.mkdir(parents=True, exist_ok=True)
    b = Browser(tmp_path / "profile")
    try:
        sign_in(b, web, "wrong-token")
        assert "unknown, expired or revoked token" in b.text("#error")
        sign_in(b, web, web.interviewer)
        assert b.url().endswith("/dashboard") and "Queue:" in b.text("#queue")
        b.screenshot(shots / "dashboard.png")

        b.goto(web.url + "/invites")
        b.fill("#name", "Ada")
        b.check("input[name=problems][value=toy]")
        b.click("#create-invite")
        command = b.text("#login-command")
        assert re.fullmatch(rf"echo mlj_\S+ \| judge login {re.escape(web.url)}", command.strip()), command
        cand = b.text("#token").strip()
        assert "Ada" in b.text("#invites")
        b.screenshot(shots / "invites.png")

        b.click("nav form button")  # sign out
        sign_in(b, web, cand)
        assert b.url().endswith("/home") and "toy" in b.text("#my-problems")
        b.goto(web.url + "/problems/toy")
        assert "scale" in b.text("#statement").lower()
        b.set_files("#files", [SAMPLES / "partial" / "no-scale" / "solution.py"])
        b.click("#submit")
        sid = int(re.search(r"/submissions/(\d+)", b.url()).group(1))
        wait_done(web.client(web.interviewer), sid)
        b.goto(web.url + f"/submissions/{sid}")
        page = b.text()
        assert "Partial" in b.text("#verdict") and "wrong values" in page
        html = b.html()
        assert "<svg" not in html and "def scale" not in html  # no plot, no source for a candidate
        assert png_size(b.screenshot(shots / "candidate-report.png"))[0] == 390
        b.goto(web.url + "/home")
        assert str(sid) in b.text("#submissions")

        b.click("nav form button")
        sign_in(b, web, web.interviewer)
        b.goto(web.url + "/dashboard?verdict=partial")
        assert "Ada" in b.text("#submissions")
        b.goto(web.url + f"/submissions/{sid}")
        html = b.html()
        assert "wrong values" in b.text() and 'class="series"' in html and "series-candidate" in html
        assert "def scale" in html or "scale" in b.text()
        b.screenshot(shots / "interviewer-report.png")
    finally:
        b.close()
    for png in shots.iterdir():
        assert png.stat().st_size > 5000, png


def test_cookie_csp_and_csrf(web):
    forged = httpx.post(web.url + "/login", data={"token": web.interviewer})  # a cross-site form: no login cookie
    assert forged.status_code == 403 and "CSRF" in forged.text and "judge_session" not in forged.headers.get("set-cookie", "")
    with httpx.Client(base_url=web.url) as b:
        form = b.get("/login")
        nonce = re.search(r'name="csrf" value="([0-9a-f]+)"', form.text).group(1)
        wrong = b.post("/login", data={"token": web.interviewer, "csrf": "0" * len(nonce)})
        assert wrong.status_code == 403  # the cookie alone is not enough; the page comes back with a new nonce
        nonce = re.search(r'name="csrf" value="([0-9a-f]+)"', wrong.text).group(1)
        r = b.post("/login", data={"token": web.interviewer, "csrf": nonce})
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    jar = {"judge_session": web.interviewer}
    page = httpx.get(web.url + "/invites", cookies=jar)
    assert page.status_code == 200 and "default-src 'none'" in page.headers["content-security-policy"]
    assert "http://" not in re.sub(r"judge login http://\S+|http://www\.w3\.org/2000/svg", "", page.text)
    forged = httpx.post(web.url + "/invites", cookies=jar, data={"name": "x", "problems": "toy", "csrf": "nope"})
    assert forged.status_code == 403 and "CSRF" in forged.text
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)
    ok = httpx.post(web.url + "/invites", cookies=jar, data={"name": "y", "problems": "toy", "csrf": csrf})
    assert ok.status_code == 200 and "judge login" in ok.text
    assert httpx.get(web.url + "/dashboard").status_code == 303  # not signed in: to /login


def test_batch_upload_gives_results_histogram_and_similar_pairs(web):
    import io
    import time
    import zipfile

    jar = {"judge_session": web.interviewer}
    page = httpx.get(web.url + "/batch", cookies=jar)
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text).group(1)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        loop = (SAMPLES / "accepted" / "loop" / "solution.py").read_text()
        zf.writestr("inbox/ann/solution.py", loop)
        zf.writestr("inbox/ben/solution.py", loop.replace("total", "total"))  # a copy
        zf.writestr("inbox/cy/solution.py", (SAMPLES / "wrong_answer" / "zeros" / "solution.py").read_text())
    r = httpx.post(web.url + "/batch", cookies=jar, data={"csrf": csrf, "problem": "toy"},
                   files={"archive": ("inbox.zip", buf.getvalue(), "application/zip")})
    assert r.status_code == 303, r.text
    where = web.url + r.headers["location"]
    deadline = time.monotonic() + 300
    while True:
        page = httpx.get(where, cookies=jar)
        if "3 submissions" in page.text or time.monotonic() > deadline:
            break
        assert "still judging" in page.text, page.text[-500:]
        time.sleep(1)
    assert page.status_code == 200 and "Score distribution" in page.text and "Similarity" in page.text
    assert "ann" in page.text and "ben" in page.text
    assert "batch" in httpx.get(web.url + "/batch", cookies=jar).text
    assert httpx.get(where + "../../../../etc/passwd", cookies=jar).status_code == 404
    assert httpx.get(where, cookies={"judge_session": "nope"}).status_code == 303
