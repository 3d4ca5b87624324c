"""``jointcredit departments``: the catalog's departments as a hierarchy, the issuing
authorities of records that are no department, and attributing records to a department added
after they arrived (docs/regions.md, "Issuing authorities and departments")."""

from __future__ import annotations

from typing import Any

import typer

from jointcredit.access import OPERATOR
from jointcredit.cli.common import DatabaseOption, console, handle_errors, print_json
from jointcredit.cli.tables import CliTable
from jointcredit.errors import InvalidInputError
from jointcredit.services import departments as service
from jointcredit.services.registry import open_registry
from jointcredit.settings import get_settings

app = typer.Typer(
    help="Departments: their hierarchy, and the issuing authorities of the records.",
    no_args_is_help=True,
)


def _say(text: str) -> None:
    # Names come from catalog files and departments' records: never read as Rich markup.
    # One department a line, however long: wrapped, a line could not be read (or grepped).
    console.print(text, highlight=False, markup=False, soft_wrap=True)


def _region_header(item: dict[str, Any]) -> str:
    if item["region"] is None:
        return "national"
    return f"{item['region']} {item['region_name'] or '(unknown division)'} ({item['level']})"


def _line(item: dict[str, Any]) -> str:
    parts = [f"{item['code']}  {item['name_zh']}"]
    if item["name_en"]:
        parts[0] += f"  {item['name_en']}"
    if item["region"] is None:
        parts.append("national")
    else:
        parts.append(f"{item['region']} {item['region_name']}, {item['level']}")
    if item["counterpart"]:
        parts.append(f"counterpart {item['counterpart']}")
    if item["successor"]:
        parts.append(f"superseded by {item['successor']}")
    elif item["uscc"]:
        parts.append(f"USCC {item['uscc']}")
    indent: str = "  " * (int(item["depth"]) + 1)
    return indent + " · ".join(parts)


@app.command("list")
@handle_errors
def list_(
    region: str | None = typer.Option(
        None,
        "--region",
        help="Only the departments in this division: 330106, or 33 / 3301 for a province or "
        "city (default: JOINTCREDIT_REGION when set, else all).",
    ),
    everything: bool = typer.Option(
        False, "--all", help="Every department of the catalog, whatever JOINTCREDIT_REGION says."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="Print a JSON list of departments, each with its parent and depth."
    ),
) -> None:
    """The catalog's departments as a hierarchy: national bodies first, then by region; each
    department followed, indented, by those whose parent it is. Superseded bodies are shown
    with their successor."""
    if everything and region is not None:
        raise InvalidInputError("--region and --all: give one of them")
    chosen = service.parse_region(region)
    if chosen is None and not everything:
        chosen = get_settings().region
    found = service.hierarchy(chosen)
    if as_json:
        print_json(found)
        return
    if not found:
        _say(f"no department of the catalog lies in {chosen}")
        return
    header = None
    for item in found:
        if item["depth"] == 0 and _region_header(item) != header:
            header = _region_header(item)
            _say(header)
        _say(_line(item))


@app.command("unmatched")
@handle_errors
def unmatched(
    limit: int = typer.Option(
        50, "--limit", min=0, help="Authorities listed at most, of each kind (0: all)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
    database: str | None = DatabaseOption,
) -> None:
    """Issuing authorities of licensing and penalty records that are no department of the
    catalog (their USCC is no department's), most records first: add them to a departments
    file, then run ``jointcredit departments match``. Authorities named without a code are
    counted apart."""
    found = service.unmatched(open_registry(database), limit=limit or None)
    if as_json:
        print_json(found)
        return
    if found["authorities"]:
        table = CliTable(title="issuing authorities that are no department")
        for column in ("USCC", "issuing authority", "records", "last decision"):
            table.add_column(
                column,
                cjk=column == "issuing authority",
                justify="right" if column == "records" else "left",
            )
        for item in found["authorities"]:
            table.add_row(
                item["issuing_authority_code"],
                item["issuing_authority"],
                f"{item['records']:,}",
                item["last_decision_date"] or "",
            )
        console.print(table)
        more = found["authorities_total"] - len(found["authorities"])
        if more:
            _say(f"… and {more:,} more authorities (--limit 0 lists all)")
    else:
        _say("every issuing authority with a USCC is a department of the catalog")
    if found["uncoded_total"]:
        _say(
            f"named without a code: {found['uncoded_records']:,} record(s) of "
            f"{found['uncoded_total']:,} authority name(s); such records can belong to no "
            "department:"
        )
        for item in found["uncoded"]:
            _say(f"  {item['records']:>8,}  {item['issuing_authority']}")
    if found["pending"]:
        names = ", ".join(f"{i['department']} ({i['records']:,})" for i in found["pending"])
        _say(
            f"{found['pending_records']:,} record(s) carry a department's USCC but are not "
            f"attributed yet: {names}; run `jointcredit departments match`"
        )


@app.command("match")
@handle_errors
def match(
    as_json: bool = typer.Option(False, "--json", help="Print what was done as one JSON object."),
    database: str | None = DatabaseOption,
) -> None:
    """Attribute the licensing and penalty records already in the registry whose issuing
    authority's USCC is a department's (after adding a department to the catalog), and bring
    the statistics' summary tables up to date. Recorded in the audit log."""
    done = service.match(open_registry(database), by=OPERATOR)
    if as_json:
        print_json(done)
        return
    if not done["records"]:
        _say("no record to attribute: every record whose authority is a department names it")
        return
    each = ", ".join(f"{d['department']} {d['records']:,}" for d in done["departments"])
    _say(f"{done['records']:,} record(s) attributed: {each}")
    if done["summaries"] is not None:
        _say(f"statistics' summary tables brought up to date ({done['summaries']['seconds']} s)")
