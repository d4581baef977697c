"""A bounded load run against a real `judge serve`: N submissions from C concurrent clients.

Starts `judge serve --backend local` (or docker) on 127.0.0.1 with a fresh
JUDGE_HOME on the toy fixture problem, invites C candidates, and has each
upload its share of the submissions (accepted, partial and wrong samples) and
poll until judged. Prints how many were judged (none may be lost), the
time-to-verdict p50/p95/max, the throughput, and the result rows per
submission (must be exactly 1).

    python bench/load.py [--submissions 40] [--clients 8] [--workers 2] [--backend local|docker]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from judge.store import Store  # noqa: E402
from tests.serverproc import Server, invite, roomy_root  # noqa: E402

SAMPLES = [("accepted", "loop", "accepted"), ("partial", "no-scale", "partial"), ("wrong_answer", "zeros", "wrong_answer")]


def client_run(srv: Server, tok: str, jobs: list[tuple[bytes, str]], timeout: float) -> list[dict]:
    c = srv.client(tok)
    out = []
    for data, expect in jobs:
        t0 = time.monotonic()
        r = c.post("/submissions", data={"problem": "toy"}, files=[("files", ("solution.py", data))])
        if r.status_code != 202:
            out.append({"error": f"{r.status_code} {r.text[:100]}"})
            continue
        sid = r.json()["id"]
        while time.monotonic() - t0 < timeout:
            st = c.get(f"/submissions/{sid}").json()
            if st.get("state") == "done" and st.get("result"):
                out.append({"id": sid, "seconds": time.monotonic() - t0, "verdict": st["verdict"], "expect": expect})
                break
            time.sleep(0.25)
        else:
            out.append({"id": sid, "error": "not judged in time"})
    return out


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--submissions", type=int, default=40)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--backend", choices=["local", "docker"], default="local")
    ap.add_argument("--timeout", type=float, default=900)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="mljudge-load-") as tmp:
        tmp = Path(tmp)
        root = roomy_root(tmp)
        home = tmp / "home"
        srv = Server(home, root, "--workers", str(args.workers), "--submit-rate", "0", "--max-queue", "1000",
                     "--backend", args.backend)  # the last --backend wins
        srv.start(timeout=120)
        try:
            toks = [invite(home, root, "toy", name=f"load{i}", max_submissions=1000) for i in range(args.clients)]
            samples = [((root / "submissions" / "toy" / v / n / "solution.py").read_bytes(), e) for v, n, e in SAMPLES]
            shares = [[samples[(i * args.clients + k) % len(samples)]
                       for i in range(args.submissions // args.clients + (k < args.submissions % args.clients))]
                      for k in range(args.clients)]
            t0 = time.monotonic()
            with ThreadPoolExecutor(args.clients) as pool:
                results = [r for rs in pool.map(lambda kt: client_run(srv, kt[1], shares[kt[0]], args.timeout),
                                                enumerate(toks)) for r in rs]
            wall = time.monotonic() - t0
            store = Store(home)
            done = [r for r in results if "seconds" in r]
            wrong = [r for r in done if r["verdict"] != r["expect"]]
            rows = {r["id"]: len(store.results_for(r["id"])) for r in done}
            secs = [r["seconds"] for r in done]
            print(f"backend {args.backend}, {args.workers} judging threads, {args.clients} clients")
            print(f"submitted {args.submissions}, judged {len(done)}, lost/failed {len(results) - len(done)}, "
                  f"unexpected verdicts {len(wrong)}, result rows per submission {sorted(set(rows.values()))}")
            if secs:
                print(f"time to verdict: p50 {pct(secs, .5):.1f}s  p95 {pct(secs, .95):.1f}s  max {max(secs):.1f}s")
            print(f"wall {wall:.1f}s, throughput {len(done) / wall * 60:.1f} submissions/minute")
            for r in results:
                if "error" in r:
                    print("  error:", r)
            ok = len(done) == args.submissions and not wrong and set(rows.values()) == {1}
            return 0 if ok else 1
        finally:
            srv.stop()


if __name__ == "__main__":
    sys.exit(main())
