"""``govlang view RESULTS``: a local web viewer over an experiment's tidy tables.

A small HTTP server (the standard library's ``ThreadingHTTPServer``), bound to 127.0.0.1
only, serves one page (``viewer_assets/index.html``: plain HTML and JavaScript, nothing fetched
from the network) and a JSON API over the results folder:

``/api/runs``
    the run rows of ``runs.parquet`` (identity, tier, welfare, fines), for the drill-down
    regime -> population -> run and the filters (regime, population, tier);
``/api/signals``
    per run, the signals that held for its sanctions (``events.parquet``), for the signal
    filter;
``/api/run/<run_id>``
    one run's rounds, events and series (its own Parquet files under ``runs/<run_id>/``):
    each firm's decision, reason and standing per round, and each institutional act with its
    rule, edge, signals, amount and notice;
``/institution.svg``
    the institution's diagram; the page highlights a firm's path through it.

Only ``runs.parquet`` is read when the page opens; a run's tables are read when it is
opened, so 10,000 runs open as fast as 10. Bad input (no results folder, no run tables, an
unknown run id) gets a clear message and an HTTP status, never a traceback.
"""

from __future__ import annotations

import json
import math
import re
import threading
import webbrowser
from collections.abc import Mapping
from functools import cached_property
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from govlang.lang.frontend import InputError

__all__ = ["HOST", "ResultsView", "serve"]

HOST = "127.0.0.1"
"""The only address the viewer listens on."""

RUN_COLUMNS = (
    "config",
    "firms",
    "regime",
    "run_index",
    "seed",
    "run_id",
    "rounds",
    "tier",
    "welfare_class",
    "profit_gain",
    "consumer_surplus_vs_nash",
    "fines",
    "suspensions",
)
"""The ``runs.parquet`` columns the page shows (those present)."""

_RUN_ID = re.compile(r"^[0-9a-f]{16}$")


def _clean(value: Any) -> Any:
    """A JSON-safe value: non-finite floats become their names (``inf``, ``nan``)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


class ResultsView:
    """Lazy access to one results folder's tables."""

    def __init__(self, results: Path) -> None:
        """Open ``results``; :class:`InputError` unless it holds ``runs.parquet``."""
        if not (results / "runs.parquet").is_file():
            raise InputError(
                f"{results}: no runs.parquet here; hint: pass the folder that "
                "`govlang run EXPERIMENT -o FOLDER` wrote"
            )
        self.results = results

    @cached_property
    def runs(self) -> list[dict[str, Any]]:
        """The run rows (the :data:`RUN_COLUMNS` present), read once."""
        import pyarrow.parquet as pq  # type: ignore[import-untyped,unused-ignore]

        path = self.results / "runs.parquet"
        names = pq.read_schema(path).names
        columns = [c for c in RUN_COLUMNS if c in names]
        rows: list[dict[str, Any]] = pq.read_table(path, columns=columns).to_pylist()
        return [_clean(r) for r in rows]

    @cached_property
    def signals(self) -> dict[str, list[str]]:
        """Per run, the sorted signals that held for any of its sanctions."""
        import pyarrow.parquet as pq

        path = self.results / "events.parquet"
        if not path.is_file():
            return {}
        table = pq.read_table(path, columns=["run_id", "kind", "signals"]).to_pylist()
        found: dict[str, set[str]] = {}
        for row in table:
            if row["kind"] == "sanction":
                found.setdefault(row["run_id"], set()).update(row["signals"] or ())
        return {run: sorted(names) for run, names in found.items()}

    def run(self, run_id: str) -> dict[str, Any]:
        """One run's rounds, events and series; :class:`KeyError` for an unknown run."""
        from govlang.experiments.tidy import TABLES, run_table

        if not _RUN_ID.match(run_id) or run_id not in {r["run_id"] for r in self.runs}:
            raise KeyError(run_id)
        folder = self.results / "runs" / run_id
        found: dict[str, Any] = {}
        for name in TABLES:
            rows = run_table(folder, name, self.market).to_pylist()
            found[name] = [_clean(r) for r in rows]
        return found

    @cached_property
    def market(self) -> str:
        """The experiment's market kind (from ``manifest.json``; Cournot if it has none)."""
        manifest = self.results / "manifest.json"
        if not manifest.is_file():
            return "cournot"
        experiment = json.loads(manifest.read_text("utf-8")).get("experiment") or {}
        return str((experiment.get("market") or {}).get("kind", "cournot"))


class _Handler(BaseHTTPRequestHandler):
    """Serves the page, the diagram and the JSON API of the server's :class:`ResultsView`."""

    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: no access log on stderr."""

    def do_GET(self) -> None:
        """Route a GET request."""
        url = urlsplit(self.path)
        view = self.server.view
        try:
            if url.path in ("/", "/index.html"):
                self._send(HTTPStatus.OK, "text/html; charset=utf-8", _page().encode("utf-8"))
            elif url.path == "/institution.svg":
                self._file(view.results / "institution.svg", "image/svg+xml")
            elif url.path == "/api/runs":
                self._json({"runs": view.runs, "query": parse_qs(url.query)})
            elif url.path == "/api/signals":
                self._json({"signals": view.signals})
            elif url.path.startswith("/api/run/"):
                self._json(view.run(url.path.removeprefix("/api/run/")))
            else:
                self._error(HTTPStatus.NOT_FOUND, f"no such page: {url.path}")
        except KeyError as exc:
            self._error(HTTPStatus.NOT_FOUND, f"no run {exc.args[0]!r} in {view.results}")
        except (OSError, InputError, ValueError) as exc:
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"cannot read the results: {exc}")

    def _file(self, path: Path, kind: str) -> None:
        if not path.is_file():
            self._error(HTTPStatus.NOT_FOUND, f"{path.name} was not written for these results")
            return
        self._send(HTTPStatus.OK, kind, path.read_bytes())

    def _json(self, data: Mapping[str, Any]) -> None:
        body = json.dumps(data, allow_nan=False).encode("utf-8")
        self._send(HTTPStatus.OK, "application/json", body)

    def _error(self, status: HTTPStatus, message: str) -> None:
        self._send(status, "application/json", json.dumps({"error": message}).encode("utf-8"))

    def _send(self, status: HTTPStatus, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    """A threading HTTP server that carries the :class:`ResultsView`."""

    daemon_threads = True

    def __init__(self, port: int, view: ResultsView) -> None:
        super().__init__((HOST, port), _Handler)
        self.view = view


def _page() -> str:
    """The viewer's single page."""
    return resources.files("govlang").joinpath("viewer_assets/index.html").read_text("utf-8")


def serve(
    results: Path, port: int = 0, open_browser: bool = True, ready: threading.Event | None = None
) -> _Server:
    """Start serving ``results`` on 127.0.0.1:``port`` (0: any free port) in a thread.

    Returns the server (``server.server_address`` holds the port; ``shutdown()`` stops it).
    :class:`InputError` for a folder without results or a port that cannot be bound.
    """
    view = ResultsView(results)
    try:
        server = _Server(port, view)
    except OSError as exc:
        raise InputError(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}") from None
    thread = threading.Thread(target=server.serve_forever, name="govlang-view", daemon=True)
    thread.start()
    if open_browser:
        webbrowser.open(f"http://{HOST}:{server.server_address[1]}/")
    if ready is not None:
        ready.set()
    return server
