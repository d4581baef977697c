"""The judge server: HTTP API (api.py) and web UI (web.py) over actions.py, built by ``create_app``."""
from __future__ import annotations

from pathlib import Path


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1, backend: str | None = None,
          root: Path | None = None, log_level: str = "info", limits=None, db: str | None = None,
          broker: str | None = None, lost_after: float = 30.0) -> None:
    """Run the server until interrupted (uvicorn, one process): ``workers`` judging threads, or,
    with ``broker``, a Celery queue that `judge worker` processes drain; the store at ``db``."""
    import os

    import uvicorn

    from .. import problem as problems
    from ..store import Store
    from .app import create_app

    root = root or problems.find_root()
    if db:
        os.environ["MLJUDGE_DB"] = db  # batches and every Store() in this process use the same database
    store = Store(url=db)
    queue = None
    if broker:
        from ..queue.celery_queue import CeleryQueue

        queue = CeleryQueue(store, broker, root=root, lost_after=lost_after)
    app = create_app(store=store, workers=workers, backend=backend, root=root, limits=limits, queue=queue)
    uvicorn.run(app, host=host, port=port, log_level=log_level)
