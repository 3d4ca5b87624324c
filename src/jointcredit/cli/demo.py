"""``jointcredit demo``: the main job on the embedded default, from nothing to a running service.

Creates (or reuses) the SQLite registry, writes synthetic departments' files, imports them,
shows what the registry now holds, makes one API key per role (kept in DATA_DIR/demo-keys.json
and reused on the next run), leaves work in the console's queues (``demo_queues``) and starts
the HTTP API on it. Run it twice: the second import adds nothing, the queues get nothing more
and the keys stay the same.

The demo ships a sample province (issue 15): Zhejiang's catalog files in
``jointcredit/data/samples/zhejiang`` (departments down to a district, a provincial red list and
its incentive memorandum, every name marked （示例）). They are outside the shipped catalog, so
only the demo's process, and a later one given the same ``JOINTCREDIT_CATALOG_PATHS``, sees them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import shlex
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import typer
from sqlalchemy import Engine, func, select

from jointcredit import clock, synth
from jointcredit.access import OPERATOR, Principal
from jointcredit.catalog import load_catalog
from jointcredit.cli import demo_queues
from jointcredit.cli.common import DatabaseOption, console, handle_errors, progress_bar
from jointcredit.cli.serve import HostOption, PortOption, run_server, urls
from jointcredit.cli.tables import CliTable
from jointcredit.errors import AuthenticationError
from jointcredit.identifiers.divisions import within
from jointcredit.identifiers.mask import mask_identifier
from jointcredit.jsontext import dumps
from jointcredit.services import keys, selfservice, staff, tipoffs
from jointcredit.services.check import check
from jointcredit.services.imports import import_file_audited
from jointcredit.services.registry import open_registry, subject_report
from jointcredit.services.registry import summary as registry_summary
from jointcredit.settings import get_settings
from jointcredit.store.tables import credit_records, subjects
from jointcredit.synth.catalog import AUTHORITY_KINDS
from jointcredit.synth.entries import list_entry_rows, regional_entry_rows
from jointcredit.synth.subjects import authority_uscc

#: The sample province's catalog files: beside the shipped catalog, never inside it, so that a
#: national node does not get them.
SAMPLE_PROVINCE = Path(__file__).resolve().parent.parent / "data" / "samples" / "zhejiang"
#: Where a share of the synthetic subjects are registered: Xihu, whose market regulator and tax
#: bureau are sample departments (their USCCs are the synthetic authorities' of 330106).
SAMPLE_COUNTIES = ("330106",)
SAMPLE_SHARE = 0.1
#: The sample province's red list, the department whose check the demo shows on it and a
#: matter of the incentive memorandum's measures.
SAMPLE_LIST = "zj-honest-enterprises"
SAMPLE_DEPARTMENT = "ZJ-AMR"
SAMPLE_MATTER = "administrative-approval-green-channel"


@handle_errors
def demo(
    subjects_n: int = typer.Option(2000, "--subjects", min=1, help="Synthetic subjects."),
    licensing: int = typer.Option(5000, "--licensing", min=0, help="Licensing rows."),
    penalties: int = typer.Option(3000, "--penalties", min=0, help="Penalty rows."),
    entries: int = typer.Option(300, "--entries", min=0, help="Red- and black-list entries."),
    bad_rows: int = typer.Option(
        5, "--bad-rows", min=0, help="Deliberately invalid penalty rows, to show the rejects."
    ),
    seed: int = typer.Option(2016, "--seed", help="Random seed of the synthetic data."),
    directory: Path | None = typer.Option(
        None, "--dir", help="Where to write the demo files (default: DATA_DIR/demo)."
    ),
    database: str | None = DatabaseOption,
    serve: bool = typer.Option(
        True, "--serve/--no-serve", help="Start the HTTP API afterwards (Ctrl-C stops it)."
    ),
    host: str = HostOption,
    port: int = PortOption,
) -> None:
    """Create the registry, load synthetic demo data (with a sample province, Zhejiang), make
    demo API keys and console accounts, leave work in the console's queues and start the
    API."""
    catalog_paths = _use_sample_province()
    settings = get_settings()
    out = directory or settings.data_dir / "demo"
    out.mkdir(parents=True, exist_ok=True)
    engine = open_registry(database)
    console.print(f"registry: {engine.url.render_as_string(hide_password=True)}", highlight=False)

    # China's day: the sample check answers for it, and a later day would be refused.
    today = clock.today()
    gen = synth.Generator(
        seed=seed,
        today=today,
        subjects=subjects_n,
        home=SAMPLE_COUNTIES,
        home_share=SAMPLE_SHARE,
    )
    _show_sample_province()
    files = {
        "licensing": out / "licensing.csv",
        "penalty": out / "penalties.csv",
    }
    local = _SampleAuthorities()
    synth.write_rows(
        files["licensing"], local.count(gen.licensing_rows(licensing)), synth.LICENSING_FIELDS
    )
    plan = gen.plan_bad_rows(penalties, min(bad_rows, penalties))
    synth.write_rows(
        files["penalty"], local.count(gen.penalty_rows(penalties, plan)), synth.PENALTY_FIELDS
    )
    files["list-entry"] = out / "list-entries.jsonl"
    listed = list(list_entry_rows(gen, entries, seed=seed))
    red = load_catalog().list_types[SAMPLE_LIST]
    regional = list(
        regional_entry_rows(
            gen,
            min(entries, max(3, entries // 10)),
            list_type=red.code,
            department=red.initiating_department,
            legal_basis=red.legal_basis,
            region=red.region or "",
            seed=seed,
        )
    )
    listed += regional
    files["list-entry"].write_text("".join(dumps(e) + "\n" for e in listed), encoding="utf-8")
    console.print(f"synthetic files (organisation codes marked JC…): {out}", highlight=False)
    console.print(
        f"  of them issued by the sample province's authorities (Xihu, 330106): "
        f"{local.rows:,} records; on its red list {SAMPLE_LIST}: {len(regional):,} entries",
        highlight=False,
    )

    results = CliTable(title="imports")
    for column in ("file", "rows", "accepted", "updated", "duplicates", "rejected", "seconds"):
        results.add_column(column, justify="left" if column == "file" else "right")
    for kind, path in files.items():
        with progress_bar(f"importing {path.name}", in_bytes=True) as bar:
            # Audited and pushed like any operator's import: the demo shows what the platform does.
            s = import_file_audited(engine, kind, path, today=today, progress=bar)  # type: ignore[arg-type]
        results.add_row(
            path.name,
            f"{s.rows:,}",
            f"{s.accepted:,}",
            f"{s.updated:,}",
            f"{s.duplicates:,}",
            f"{s.rejected_rows:,}",
            f"{s.seconds:.2f}",
        )
        for item in s.rejected[:10]:
            console.print(
                f"  rejected: {path.name} row {item['row']}, {item['field']}: {item['error']}",
                highlight=False,
            )
        if s.rejects_file:
            console.print(f"  rejected rows are in {s.rejects_file}", highlight=False)
    console.print(results)

    counts = CliTable(title="the registry holds")
    counts.add_column("what")
    counts.add_column("count", justify="right")
    for key, value in sorted(registry_summary(engine).items()):
        counts.add_row(key, f"{value:,}")
    console.print(counts)

    with engine.connect() as conn:
        busiest = conn.execute(  # the organisation with the most records
            select(subjects.c.identifier, func.count().label("n"))
            .join(credit_records, credit_records.c.subject_id == subjects.c.id)
            # A person's identifier is a full resident ID, which the "next:" line would print.
            .where(subjects.c.identifier_type == "uscc")
            .group_by(subjects.c.identifier)
            .order_by(func.count().desc(), subjects.c.identifier)
            .limit(1)
        ).first()
    if busiest:
        report = subject_report(engine, busiest.identifier, by=OPERATOR, masked=True)
        console.print(
            f"subject with the most records: {report.subject['name']} "
            f"({report.subject['identifier']}), {len(report.records)} records",
            highlight=False,
        )
        console.print(
            "next: " + _command(catalog_paths, "subjects", "show", busiest.identifier),
            highlight=False,
            soft_wrap=True,
        )
    sample = _sample_entry(listed, today)
    if sample is not None:
        _sample_check(engine, sample, today, catalog_paths)
    local_sample = regional[0] if regional else None
    if local_sample is not None:
        _sample_local_check(engine, local_sample, today, catalog_paths)

    demo_keys = _demo_keys(engine, settings.data_dir / "demo-keys.json")
    _show_keys(demo_keys, settings.data_dir / "demo-keys.json")
    staff_path = settings.data_dir / "demo-staff.json"
    _show_staff(_demo_staff(engine, staff_path), staff_path, host, port)
    passphrase_path = settings.data_dir / "demo-department-passphrase.json"
    _show_department_key(_demo_department_key(engine, passphrase_path), passphrase_path)
    # After the accounts, which do the work, and the court's key, which seals the report.
    people = demo_queues.People.of(DEMO_STAFF)
    # The companies the demo prints (the README's examples use the first) keep their records.
    spare = [e["subject"]["uscc"] for e in (sample, local_sample) if e is not None]
    demo_queues.populate(engine, gen, listed, people=people, seed=seed, today=today, spare=spare)
    _show_queues(demo_queues.waiting(engine, people), people)
    _show_self_service(sample, host, port)
    _show_examples(demo_keys, sample, host, port)
    _show_local_examples(demo_keys, local_sample, host, port)
    engine.dispose()
    if not serve:
        console.print(
            "next (the service on the same catalog, sample province included): "
            + _command(catalog_paths, "serve"),
            highlight=False,
            soft_wrap=True,
        )
    if serve:
        console.print()
        run_server(database, host=host, port=port)


def _sample_entry(listed: list[dict[str, Any]], today: dt.date) -> dict[str, Any] | None:
    """A company in force on the judgment-defaulters' black list, with its representative."""
    return next(
        (
            e
            for e in listed
            if e["persons"]
            and e["list_type"] == "judgment-defaulters"
            and e["decided_on"] <= today.isoformat()
            and "valid_until" not in e
        ),
        None,
    )


def _use_sample_province() -> str:
    """Add the sample province to the catalog paths of this process (after any the operator
    set) and return the value: the settings and the catalog are read once per process and
    cached, so this comes before anything reads them, and the server the demo starts in this
    process serves the same catalog."""
    configured = os.environ.get("JOINTCREDIT_CATALOG_PATHS", "")
    parts = [p for p in configured.split(os.pathsep) if p.strip()]
    if not any(Path(p).resolve() == SAMPLE_PROVINCE for p in parts):
        parts.append(str(SAMPLE_PROVINCE))
    value = os.pathsep.join(parts)
    os.environ["JOINTCREDIT_CATALOG_PATHS"] = value
    get_settings.cache_clear()
    return value


def _command(catalog_paths: str, *args: str) -> str:
    """A command line for a later shell: with the demo's catalog paths, without which the
    sample province's departments, list and memorandum are unknown there."""
    words = ["jointcredit", *args]
    return f"JOINTCREDIT_CATALOG_PATHS={shlex.quote(catalog_paths)} " + shlex.join(words)


def _show_sample_province() -> None:
    catalog = load_catalog()
    local = [
        d
        for d in catalog.departments.values()
        if d.region is not None and within(d.region, "330000")
    ]
    red = catalog.list_types[SAMPLE_LIST]
    memoranda = [d.id for d in catalog.documents.values() if d.list_type == SAMPLE_LIST]
    console.print(
        "sample province (SAMPLE DATA, not the real bodies; names marked （示例）): Zhejiang, "
        f"{len(local)} departments ({', '.join(sorted(d.code for d in local))}), red list "
        f"{red.code} (region {red.region}), memorandum {', '.join(memoranda)}; "
        f"catalog files in {SAMPLE_PROVINCE}",
        highlight=False,
        soft_wrap=True,
    )


class _SampleAuthorities:
    """Counts the rows whose issuing authority is one of the sample province's departments,
    as they are written."""

    def __init__(self) -> None:
        self.usccs = {
            authority_uscc(kind.code, county)
            for county in SAMPLE_COUNTIES
            for kind in AUTHORITY_KINDS
        } & {d.uscc for d in load_catalog().departments.values() if d.uscc}
        self.rows = 0

    def count(self, rows: Iterable[dict[str, str]]) -> Iterator[dict[str, str]]:
        for row in rows:
            if (row.get("XK_XKJGDM") or row.get("CF_CFJGDM")) in self.usccs:
                self.rows += 1
            yield row


def _sample_local_check(
    engine: Engine, entry: dict[str, Any], today: dt.date, catalog_paths: str
) -> None:
    """Show a check by the sample province's market regulator on a company on its red list:
    the provincial incentive applies (and would not at a check by another province's body)."""
    company = entry["subject"]["uscc"]
    result = check(engine, company, department=SAMPLE_DEPARTMENT, matter=SAMPLE_MATTER, as_of=today)
    console.print(
        f"\nlocal check (sample province): {SAMPLE_DEPARTMENT} checks {entry['subject']['name']}"
        f" ({company}), on the provincial red list {entry['list_type']}, at {SAMPLE_MATTER}:",
        highlight=False,
        soft_wrap=True,
    )
    _show_decisions(result)
    console.print(
        "next: "
        + _command(
            catalog_paths,
            "check",
            company,
            "--department",
            SAMPLE_DEPARTMENT,
            "--matter",
            SAMPLE_MATTER,
            "--json",
        ),
        highlight=False,
        soft_wrap=True,
    )


def _show_decisions(result: Any) -> None:
    for d in result.decisions:
        via = f" via {d.via['role']} of {d.via['organisation']}" if d.via else ""
        console.print(f"  {d.status} {d.kind} {d.measure}{via}: {d.text}", highlight=False)
        console.print(f"    legal basis: {d.legal_basis}", highlight=False)


def _sample_check(
    engine: Engine, sample: dict[str, Any], today: dt.date, catalog_paths: str
) -> None:
    """Show the joint check on a listed company's legal representative buying an air ticket."""
    person = sample["persons"][0]["id_number"]
    result = check(engine, person, department="CAAC", matter="air-travel", as_of=today)
    console.print(
        f"\njoint check: the legal representative ({mask_identifier(person, 'resident-id')}) of "
        f"{sample['subject']['name']}, listed on {sample['list_type']}, buys an air ticket:",
        highlight=False,
    )
    _show_decisions(result)
    # The company's own check, not the representative's: a full resident ID is never printed.
    console.print(
        "next: "
        + _command(
            catalog_paths,
            "check",
            sample["subject"]["uscc"],
            "--department",
            "CAAC",
            "--matter",
            "air-travel",
            "--json",
        ),
        highlight=False,
        soft_wrap=True,
    )


#: The demo's keys: (role, department). The sample check is CAAC's (air tickets); supervision
#: and key administration sit with NDRC, the lead department of the joint system; the sample
#: province's market regulator implements the provincial memorandum (and SAMR's measures).
DEMO_KEYS = (
    ("implementer", "CAAC"),
    ("initiator", "CAAC"),
    ("reviewer", "CAAC"),
    ("supervisor", "NDRC"),
    ("admin", "NDRC"),
    ("implementer", SAMPLE_DEPARTMENT),
)


def _read_keys(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    items = saved.get("keys") if isinstance(saved, dict) else None
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("key"), str):
            found[(str(item.get("role")), str(item.get("department")))] = item
    return found


def _still_valid(engine: Engine, item: dict[str, Any], role: str, department: str) -> bool:
    try:
        who = keys.authenticate(engine, item["key"])
    except AuthenticationError:
        return False
    return (who.role, who.department, who.key_id) == (role, department, item.get("id"))


def _demo_keys(engine: Engine, path: Path) -> list[dict[str, Any]]:
    """One key per role: those in ``path`` that still work, new ones for the rest; the file
    is rewritten (mode 0600) with what is in use."""
    saved = _read_keys(path)
    out: list[dict[str, Any]] = []
    for role, department in DEMO_KEYS:
        item = saved.get((role, department))
        if item is None or not _still_valid(engine, item, role, department):
            issued = keys.create(
                engine, department=department, role=role, name=f"demo {role}", by=OPERATOR
            )
            item = {"id": issued.id, "key": issued.key, "role": role, "department": department}
        out.append({k: item[k] for k in ("id", "role", "department", "key")})
    keys.forget_recent()
    _write_private(path, {"database": engine.url.render_as_string(hide_password=True), "keys": out})
    return out


#: The demo's console accounts: (username, role, department). The court (SPC) lists judgment
#: defaulters, so its initiator proposes entries and two reviewers make the four eyes and answer
#: objections; CAAC applies the air-travel ban; NDRC supervises; the sample province's market
#: regulator shows the console of a local department.
DEMO_STAFF = (
    ("demo.initiator", "initiator", "SPC"),
    ("demo.reviewer", "reviewer", "SPC"),
    ("demo.reviewer2", "reviewer", "SPC"),
    ("demo.implementer", "implementer", "CAAC"),
    ("demo.supervisor", "supervisor", "NDRC"),
    ("demo.zhejiang", "implementer", SAMPLE_DEPARTMENT),
)


def _write_private(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=2)
        f.write("\n")
    os.chmod(path.with_suffix(".tmp"), 0o600)
    os.replace(path.with_suffix(".tmp"), path)


def _demo_staff(engine: Engine, path: Path) -> list[dict[str, str]]:
    """One console account per demo role, all with one random password kept in ``path``
    (mode 0600) and reused by the next demo; an account whose password no longer matches is
    given it again."""
    try:
        password = str(json.loads(path.read_text(encoding="utf-8"))["password"])
    except (OSError, ValueError, KeyError, TypeError):
        password = secrets.token_urlsafe(12)
    known = {a["username"]: a for a in staff.listed(engine, by=OPERATOR)}
    out = []
    for username, role, department in DEMO_STAFF:
        if username not in known:
            staff.create(
                engine,
                username=username,
                password=password,
                department=department,
                role=role,
                display_name=f"demo {role}",
                by=OPERATOR,
            )
        else:
            staff.set_password(engine, username, password, by=OPERATOR)
            if not known[username]["active"]:
                staff.set_active(engine, username, True, by=OPERATOR)
        out.append({"username": username, "role": role, "department": department})
    _write_private(path, {"password": password, "accounts": out})
    return [{**a, "password": password} for a in out]


def _show_staff(accounts: list[dict[str, str]], path: Path, host: str, port: int) -> None:
    console.print(
        f"\ndemo console accounts ({urls(host, port)['console']}), password "
        f"{accounts[0]['password']}:",
        highlight=False,
        soft_wrap=True,
    )
    for a in accounts:
        console.print(f"  {a['username']:<18} {a['role']:<12} {a['department']}", highlight=False)
    console.print(f"kept in {path} (mode 0600) and reused by the next demo", highlight=False)


#: The demo department whose reviewers open reporters' identities (console, Reports).
DEMO_KEY_DEPARTMENT = "SPC"


def _demo_department_key(engine: Engine, path: Path) -> str:
    """The passphrase of the demo department's reporter key pair: made with the pair on the
    first demo and kept in ``path`` (mode 0600). A real department keeps its passphrase off the
    server; the demo keeps it so that a demonstration can open a reporter."""
    try:
        passphrase = str(json.loads(path.read_text(encoding="utf-8"))["passphrase"])
    except (OSError, ValueError, KeyError, TypeError):
        passphrase = ""
    keys = tipoffs.keys_listed(engine, by=OPERATOR)
    has_key = any(
        k["department"] == DEMO_KEY_DEPARTMENT and k.get("public_key") and not k.get("retired_at")
        for k in keys
    )
    if has_key and passphrase:
        return passphrase
    if has_key:  # made outside the demo, or its passphrase file is gone: left as it is
        return ""
    passphrase = secrets.token_urlsafe(24)
    tipoffs.init_key(engine, DEMO_KEY_DEPARTMENT, passphrase, by=OPERATOR)
    _write_private(path, {"department": DEMO_KEY_DEPARTMENT, "passphrase": passphrase})
    return passphrase


def _show_queues(waiting: demo_queues.Waiting, people: demo_queues.People) -> None:
    def n(count: int, what: str) -> str:
        return f"{count} {what}{'' if count == 1 else 's'}"

    def who(*by: Principal) -> str:
        return "(" + ", ".join(str(p.name) for p in by) + ")"

    parts = (
        f"{n(waiting.to_review, 'proposal')} to review {who(people.reviewer, people.reviewer2)}",
        f"{waiting.returned} returned for rework {who(people.initiator)}",
        f"{n(waiting.objections, 'objection')} open {who(people.reviewer)}",
        f"{n(waiting.repairs, 'repair application')} {who(people.supervisor)}",
        f"{waiting.feedback_overdue} feedback overdue {who(people.implementer)}",
        f"{n(waiting.reports, 'report')} {who(people.reviewer)}",
    )
    console.print("\nconsole queues: " + ", ".join(parts), highlight=False, soft_wrap=True)


def _show_department_key(passphrase: str, path: Path) -> None:
    if not passphrase:
        console.print(
            f"\n{DEMO_KEY_DEPARTMENT}'s reporter key exists but its passphrase is not in {path}: "
            "its reporters stay sealed",
            highlight=False,
        )
        return
    console.print(
        f"\n{DEMO_KEY_DEPARTMENT}'s passphrase for reporters' identities (the console's "
        f"Reports, demo.reviewer; API header X-Department-Passphrase): {passphrase}",
        highlight=False,
        soft_wrap=True,
    )
    console.print(f"kept in {path} (mode 0600) and reused by the next demo", highlight=False)


def _show_self_service(sample: dict[str, Any] | None, host: str, port: int) -> None:
    """Switch self-service on with the demo authenticator (unless the operator chose one) and
    print the sample company's sign-in code."""
    if not get_settings().self_service_authenticator.strip():
        os.environ["JOINTCREDIT_SELF_SERVICE_AUTHENTICATOR"] = "demo"
        get_settings.cache_clear()
    if sample is None or get_settings().self_service_authenticator.strip() != "demo":
        return
    company = sample["subject"]["uscc"]
    code = selfservice.demo_authenticator().code(company)
    console.print(
        f"\nself-service ({urls(host, port)['self-service']}; demo sign-in, for demonstrations "
        f"only): {sample['subject']['name']} signs in with {company} and code {code}",
        highlight=False,
        soft_wrap=True,
    )


def _show_keys(demo_keys: list[dict[str, Any]], path: Path) -> None:
    # Plain lines, not a table: a key folded over two lines cannot be copied.
    console.print("\ndemo API keys (send as 'Authorization: Bearer KEY'):", highlight=False)
    for item in demo_keys:
        console.print(
            f"  {item['role']:<12} {item['department']:<6} {item['key']}",
            highlight=False,
            soft_wrap=True,
        )
    console.print(f"kept in {path} (mode 0600) and reused by the next demo", highlight=False)


def _show_examples(
    demo_keys: list[dict[str, Any]], sample: dict[str, Any] | None, host: str, port: int
) -> None:
    links = urls(host, port)
    implementer = next(k["key"] for k in demo_keys if k["role"] == "implementer")
    console.print("\ntry, once the server runs:", highlight=False)
    if sample is not None:
        company = sample["subject"]["uscc"]
        query = f"{links['API']}/check?subject={company}&matter=air-travel"
        console.print(
            f"  # the joint check of {sample['subject']['name']} (on the judgment-defaulters "
            "list) buying an air ticket, as CAAC's system asks it:",
            highlight=False,
        )
        console.print(
            f"  curl -s -H {shlex.quote('Authorization: Bearer ' + implementer)} "
            f"{shlex.quote(query)}",
            highlight=False,
            soft_wrap=True,
        )
    console.print("  # the public key that verifies the answers' receipts:", highlight=False)
    console.print(f"  curl -s {links['receipts key']}", highlight=False, soft_wrap=True)
    console.print(f"  # the API's documentation: {links['docs']}", highlight=False, soft_wrap=True)
    console.print(
        f"  # the public inquiry portal (search 有限公司): {links['portal']}",
        highlight=False,
        soft_wrap=True,
    )


def _show_local_examples(
    demo_keys: list[dict[str, Any]], entry: dict[str, Any] | None, host: str, port: int
) -> None:
    """How the sample province's market regulator uses its key: its feed (the pushes of the
    lists it implements measures on, through SAMR or its own memorandum) and a local check."""
    key = next(k["key"] for k in demo_keys if k["department"] == SAMPLE_DEPARTMENT)
    links = urls(host, port)
    auth = shlex.quote("Authorization: Bearer " + key)
    console.print(
        f"  # {SAMPLE_DEPARTMENT} (sample province) pulls its feed: pushed entries of the lists "
        "it implements measures on, its province's red list included:",
        highlight=False,
    )
    console.print(
        f"  curl -s -H {auth} {shlex.quote(links['API'] + '/feed')}",
        highlight=False,
        soft_wrap=True,
    )
    if entry is not None:
        query = f"{links['API']}/check?subject={entry['subject']['uscc']}&matter={SAMPLE_MATTER}"
        console.print(
            f"  # {SAMPLE_DEPARTMENT} checks a company on the provincial red list "
            f"{entry['list_type']}: the provincial incentive applies:",
            highlight=False,
        )
        console.print(f"  curl -s -H {auth} {shlex.quote(query)}", highlight=False, soft_wrap=True)
