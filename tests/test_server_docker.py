"""The judge server on the docker backend: one submission through the API into the real sandbox."""
import os
import shutil

import pytest

from .conftest import FIXTURE_ROOT
from .serverproc import Server, token, wait_done

pytestmark = pytest.mark.docker


def test_server_judges_in_the_docker_sandbox(tmp_path):
    from judge.sandbox.docker import DockerBackend

    reason = DockerBackend().available()
    if reason:
        if os.environ.get("MLJUDGE_REQUIRE_DOCKER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE_ROOT, root)
    home = tmp_path / "home"
    s = Server(home, root, "--backend", "docker").start()  # the last --backend wins
    try:
        c = s.client(token(home, root, "interviewer"))
        data = (root / "submissions" / "toy" / "partial" / "no-scale" / "solution.py").read_bytes()
        r = c.post("/submissions", data={"problem": "toy"}, files=[("files", ("solution.py", data))])
        assert r.status_code == 202
        st = wait_done(c, r.json()["id"], timeout=600)
        assert st["result"]["backend"] == "docker" and st["verdict"] == "partial" and st["score"] == 50
    finally:
        s.stop()
