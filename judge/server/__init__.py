"""The judge server: HTTP API (api.py) and web UI (web.py) over actions.py, built by ``create_app``."""
from __future__ import annotations

from pathlib import Path


def serve(host: str = "127.0.0.1", port: int = 8000, workers: int = 1, backend: str | None = None,
          root: Path | None = None, log_level: str = "info", limits=None) -> None:
    """Run the server until interrupted (uvicorn, one process, ``workers`` judging threads)."""
    import uvicorn

    from .. import problem as problems
    from .app import create_app

    app = create_app(workers=workers, backend=backend, root=root or problems.find_root(), limits=limits)
    uvicorn.run(app, host=host, port=port, log_level=log_level)
