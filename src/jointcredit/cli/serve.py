"""``jointcredit serve``: the HTTP API (FastAPI on uvicorn) on the registry."""

from __future__ import annotations

import errno
import os
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from types import FrameType
from typing import Any

import typer

from jointcredit import logs
from jointcredit.cli.common import DatabaseOption, console, handle_errors
from jointcredit.errors import ConfigurationError
from jointcredit.settings import get_settings

PREFIX = "/api/v1"
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")

HostOption = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0: all).")
PortOption = typer.Option(8000, "--port", min=1, max=65535, help="TCP port to listen on.")


def base_url(host: str, port: int) -> str:
    """The URL a client on this machine reaches the server at."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def urls(host: str, port: int) -> dict[str, str]:
    api = base_url(host, port) + PREFIX
    return {
        "portal": base_url(host, port) + "/",
        "console": base_url(host, port) + "/console",
        "self-service": base_url(host, port) + "/me",
        "API": api,
        "docs": f"{api}/docs",
        "OpenAPI": f"{api}/openapi.json",
        "receipts key": f"{api}/receipts/key",
        "health": f"{api}/health",
    }


def _check_port_free(host: str, port: int) -> None:
    """Refuse a port in use with one clear line instead of uvicorn's log and exit."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ConfigurationError(
                f"port {port} on {host} is in use (another server?): choose one with --port"
            ) from None
        raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


@contextmanager
def background_worker(url: str) -> Iterator[threading.Thread]:
    """The scheduler (``jointcredit worker``) in a thread of this process until the block ends;
    then it finishes its round and stops. In the parent process only: with several server
    workers it still runs once."""
    from jointcredit.cli.worker import configure_logging
    from jointcredit.services.registry import open_registry
    from jointcredit.services.scheduler import Scheduler

    configure_logging()
    stop = threading.Event()

    def run() -> None:
        engine = open_registry(url)
        try:
            with Scheduler(engine) as scheduler:
                scheduler.run(stop)
        finally:
            engine.dispose()

    thread = threading.Thread(target=run, name="jointcredit-worker", daemon=True)
    wait = get_settings().webhook_timeout_seconds + 30

    # uvicorn restores the handlers it found and raises the signal again once it has shut down:
    # these let the scheduler finish its round first, then do what was there before (SIGTERM:
    # end the process, SIGINT: KeyboardInterrupt).
    def finish_then(signum: int, frame: FrameType | None) -> None:
        stop.set()
        thread.join(timeout=wait)
        signal.signal(signum, previous[signum])
        signal.raise_signal(signum)

    previous: dict[int, Any] = {
        s: signal.signal(s, finish_then) for s in (signal.SIGTERM, signal.SIGINT)
    }
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(timeout=wait)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _start_metrics() -> None:
    """Empty the metrics directory of earlier runs and count in it from here on: in this
    process (the scheduler of --worker, a single worker) and, through PROMETHEUS_MULTIPROC_DIR
    in the environment they inherit, in uvicorn's worker processes (docs/metrics.md)."""
    from jointcredit.services import metrics

    folder = metrics.directory()
    metrics.prepare_directory(folder)
    metrics.enable(folder)


def run_server(
    database: str | None,
    *,
    host: str,
    port: int,
    workers: int = 1,
    log_level: str = "info",
    access_log: bool = True,
    worker: bool = False,
    proxy_headers: bool = True,
    forwarded_allow_ips: str = "127.0.0.1",
) -> None:
    """Migrate once, print the URLs and serve until Ctrl-C (SIGINT) or SIGTERM."""
    import uvicorn

    from jointcredit.catalog import load_catalog
    from jointcredit.services import receipts, references
    from jointcredit.services.registry import open_registry

    settings = get_settings()
    url = database or settings.resolved_database_url()
    engine = open_registry(url)  # migrates here, once, not in every worker
    shown = engine.url.render_as_string(hide_password=True)
    engine.dispose()
    load_catalog()  # a broken catalog fails here, with its message
    receipts.signer()  # the platform key exists before any worker reads it
    references.reference_of(1)  # so does the record reference key
    _check_port_free(host, port)
    if settings.metrics:
        _start_metrics()

    console.print(f"registry: {shown}", highlight=False)
    for label, link in urls(host, port).items():
        console.print(f"{label + ':':<14}{link}", highlight=False)
    if settings.metrics:
        console.print(f"{'metrics:':<14}{base_url(host, port)}/metrics", highlight=False)
    console.print(
        f"serving with {workers} worker{'s' if workers > 1 else ''}"
        + (" and the scheduler (push delivery, expiry, overdue)" if worker else "")
        + "; Ctrl-C stops",
        highlight=False,
    )
    options = {
        "host": host,
        "port": port,
        "log_level": log_level,
        "access_log": access_log,
        "lifespan": "on",
        "server_header": False,
        # Behind a reverse proxy: the client's address (throttling, logs) from X-Forwarded-For
        # and the scheme from X-Forwarded-Proto, believed from the proxy's addresses only.
        "proxy_headers": proxy_headers,
        "forwarded_allow_ips": forwarded_allow_ips,
        # Masked lines (no person's identity number, docs/security.md), in every worker process.
        "log_config": logs.uvicorn_log_config(),
    }
    with ExitStack() as stack:
        if worker:
            stack.enter_context(background_worker(url))
        try:
            if workers > 1:
                # Workers import the app by name and read the registry's URL from the environment.
                os.environ["JOINTCREDIT_DATABASE_URL"] = url
                uvicorn.run("jointcredit.api.asgi:app", workers=workers, **options)  # type: ignore[arg-type]
            else:
                from jointcredit.api.app import create_app

                uvicorn.run(create_app(url), **options)  # type: ignore[arg-type]
        except KeyboardInterrupt:
            pass  # uvicorn has shut down cleanly and re-raised the signal: done
    console.print("server stopped", highlight=False)


@handle_errors
def serve(
    host: str = HostOption,
    port: int = PortOption,
    workers: int = typer.Option(
        1, "--workers", min=1, help="Worker processes (each with its own connections)."
    ),
    database: str | None = DatabaseOption,
    log_level: str = typer.Option(
        "info", "--log-level", help=f"uvicorn log level: {', '.join(LOG_LEVELS)}."
    ),
    access_log: bool = typer.Option(
        True, "--access-log/--no-access-log", help="Log every request (uvicorn's access log)."
    ),
    worker: bool = typer.Option(
        False,
        "--worker",
        help="Also run the scheduler (`jointcredit worker`) in a thread of this process: once, "
        "whatever --workers says.",
    ),
    proxy_headers: bool = typer.Option(
        True,
        "--proxy-headers/--no-proxy-headers",
        help="Take the client's address and scheme from X-Forwarded-For and X-Forwarded-Proto "
        "when the request comes from an address --forwarded-allow-ips trusts.",
    ),
    forwarded_allow_ips: str = typer.Option(
        "127.0.0.1",
        "--forwarded-allow-ips",
        help="Comma-separated addresses (or networks, or *) of the reverse proxies whose "
        "forwarded headers are believed (docs/operations.md).",
    ),
) -> None:
    """Run the HTTP API (FastAPI on uvicorn) on the registry."""
    level = log_level.lower()
    if level not in LOG_LEVELS:
        raise ConfigurationError(f"--log-level must be one of {', '.join(LOG_LEVELS)}")
    run_server(
        database,
        host=host,
        port=port,
        workers=workers,
        log_level=level,
        access_log=access_log,
        worker=worker,
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips,
    )
