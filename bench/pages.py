"""Page weight and server time of the main pages: portal, console and self-service.

Builds the demo registry (``jointcredit demo --no-serve``: 2,000 subjects, 5,000 licences, 3,000
penalties, 300 list entries by default) in a scratch SQLite file, starts ``jointcredit serve`` on
loopback and, for each main page (home, search results, a subject with a list entry, red list,
black list, a black-list CSV), the department console's (start page, review queue, objections,
pushed entries, the supervisors' dashboard and one of its charts — signed in through the real
form as the demo's accounts) and self-service's record page (signed in with the demo code),
measures:

* bytes of the HTML (or CSV) as sent with gzip and without (``Accept-Encoding: identity``), and
  of the stylesheets the page links (the only other assets: there is no JavaScript, no font; the
  dashboard's charts are SVG images of their own, measured as one);
* the time to the whole answer over loopback, median and p90 of ``--requests`` requests after
  ``--warmup`` ones (one client, one at a time: the server's time per page, not throughput).

    .venv/bin/python bench/pages.py                 # results in bench/results/pages.json
    .venv/bin/python bench/pages.py --requests 50 --subjects 500   # quicker
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
from _common import ROOT, SCRATCH, machine_info, median, percentile, remove_database, save_result
from _common import table as text_table
from sqlalchemy import create_engine, text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _jointcredit() -> str:
    return str(Path(sys.executable).parent / "jointcredit")


def _build(url: str, args: argparse.Namespace, env: dict[str, str]) -> None:
    subprocess.run(
        [
            _jointcredit(),
            "demo",
            "--no-serve",
            "--database",
            url,
            "--subjects",
            str(args.subjects),
            "--dir",
            str(SCRATCH / "pages-demo"),
        ],
        check=True,
        env=env,
        capture_output=True,
    )


def _samples(url: str) -> dict[str, str]:
    """A listed organisation: its page has a list entry and usually records."""
    engine = create_engine(url)
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT s.identifier FROM credit_records r JOIN subjects s"
                " ON s.id = r.subject_id WHERE r.kind = 'black-list' AND r.status = 'active'"
                " AND s.kind <> 'natural-person' ORDER BY r.id LIMIT 1"
            )
        ).one()
    engine.dispose()
    return {"identifier": row[0]}


_PRE = re.compile(r'name="pre" value="([^"]+)"')


def _console(base: str, username: str, password: str) -> httpx.Client:
    """A client signed in to the console through its form."""
    client = httpx.Client(base_url=base, timeout=30)
    form = client.get("/console/sign-in")
    pre = _PRE.search(form.text)
    assert pre, "no sign-in token"
    signed = client.post(
        "/console/sign-in", data={"username": username, "password": password, "pre": pre.group(1)}
    )
    assert signed.status_code == 303, signed.text
    return client


def _self_service(base: str, identifier: str, env: dict[str, str]) -> httpx.Client:
    code = subprocess.run(
        [_jointcredit(), "selfservice", "demo-code", identifier],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    client = httpx.Client(base_url=base, timeout=30)
    form = client.get("/me")
    pre = _PRE.search(form.text)
    assert pre, "no sign-in token"
    signed = client.post(
        "/me/sign-in", data={"identifier": identifier, "code": code, "pre": pre.group(1)}
    )
    assert signed.status_code == 303, signed.text
    return client


def _measure(
    client: httpx.Client, path: str, warmup: int, n: int, *, exact: bool = True
) -> dict[str, Any]:
    """``exact``: the page is the same at every request (a chart's drawing has a fresh id)."""
    for _ in range(warmup):
        client.get(path)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        r = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert r.status_code == 200, (path, r.status_code)
    raw = client.get(path, headers={"Accept-Encoding": "identity"})
    with client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as streamed:
        compressed = b"".join(streamed.iter_raw())
        encoding = streamed.headers.get("content-encoding")
    if encoding == "gzip" and exact:
        assert gzip.decompress(compressed) == raw.content
    return {
        "bytes": len(raw.content),
        "bytes_gzip": len(compressed),
        "gzip": encoding == "gzip",
        "ms_median": round(median(times), 2),
        "ms_p90": round(percentile(times, 90), 2),
        "html": raw.text,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()

    machine = machine_info()
    SCRATCH.mkdir(parents=True, exist_ok=True)
    db = SCRATCH / "pages.sqlite3"
    remove_database(db)
    url = f"sqlite:///{db}"
    env = {
        **os.environ,
        "JOINTCREDIT_DATA_DIR": str(SCRATCH / "pages-data"),
        "JOINTCREDIT_SELF_SERVICE_AUTHENTICATOR": "demo",
    }
    _build(url, args, env)
    sample = _samples(url)
    port = _free_port()
    server = subprocess.Popen(
        [_jointcredit(), "serve", "--port", str(port), "--database", url, "--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    pages = {
        "home": "/",
        # A word most names hold: a full page of 20 results, the heaviest search page.
        "search": "/search?q=有限公司",
        "subject": "/subjects/" + sample["identifier"],
        "red list": "/lists/red",
        "black list": "/lists/black",
        "black list CSV": "/lists/black?format=csv",
    }
    results: dict[str, Any] = {}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/api/v1/ready").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=30) as client:
            css_path = None
            for name, path in pages.items():
                found = _measure(client, path, args.warmup, args.requests)
                html = found.pop("html")
                link = re.search(r'href="(/static/site\.css\?v=\w+)"', html)
                css_path = css_path or (link.group(1) if link else None)
                results[name] = {"path": path.split("?")[0], **found}
            assert css_path is not None
            css = _measure(client, css_path, 2, 10)
            css.pop("html")
            results["site.css"] = {"path": "/static/site.css", **css}
        password = json.loads((SCRATCH / "pages-data" / "demo-staff.json").read_text())["password"]
        signed_in = {
            "demo.reviewer": {
                "console home": "/console",
                "review queue": "/console/review",
                "objections": "/console/objections",
            },
            "demo.implementer": {"pushed entries": "/console/pushed"},
            "demo.supervisor": {
                "dashboard": "/console/dashboard",
                "dashboard chart": "/console/dashboard/charts/ranking.svg",
            },
        }
        console_css = None
        for username, paths in signed_in.items():
            with closing(_console(base, username, password)) as client:
                for name, path in paths.items():
                    # Fewer requests: every dashboard view writes its audit rows.
                    found = _measure(
                        client,
                        path,
                        args.warmup // 4,
                        max(args.requests // 4, 5),
                        exact=not path.endswith(".svg"),
                    )
                    html = found.pop("html")
                    link = re.search(r'href="(/static/console\.css\?v=\w+)"', html)
                    console_css = console_css or (link.group(1) if link else None)
                    results[name] = {"path": path, **found}
        with closing(_self_service(base, sample["identifier"], env)) as client:
            found = _measure(client, "/me/record", args.warmup // 4, max(args.requests // 4, 5))
            found.pop("html")
            results["self-service record"] = {"path": "/me/record", **found}
            assert console_css is not None
            extra = _measure(client, console_css, 2, 10)
            extra.pop("html")
            results["console.css"] = {"path": "/static/console.css", **extra}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)

    rows = [
        [name, r["bytes"], r["bytes_gzip"], r["ms_median"], r["ms_p90"]]
        for name, r in results.items()
    ]
    print(text_table(["page", "bytes", "gzip bytes", "ms median", "ms p90"], rows))
    css = results["site.css"]
    more = results["console.css"]
    portal = {"home", "search", "subject", "red list", "black list"}
    totals = {
        name: {
            "bytes": r["bytes"] + css["bytes"] + (0 if name in portal else more["bytes"]),
            "bytes_gzip": r["bytes_gzip"]
            + css["bytes_gzip"]
            + (0 if name in portal else more["bytes_gzip"]),
        }
        for name, r in results.items()
        if name not in ("site.css", "console.css", "black list CSV", "dashboard chart")
    }
    key = {"subjects": args.subjects, "requests": args.requests, "database": "sqlite"}
    path = save_result(
        "pages",
        key,
        {"pages": results, "page_totals_with_css": totals, "scripts_bytes": 0},
        machine,
    )
    print(f"results: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
