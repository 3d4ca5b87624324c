"""The ``jointcredit`` command: one Typer app, a module per command group."""

from __future__ import annotations

import typer

from jointcredit import logs
from jointcredit.cli import (
    audit,
    backup,
    calendar,
    catalog,
    check,
    db,
    deadlines,
    demo,
    departments,
    export,
    feedback,
    generate,
    grade,
    ids,
    imports,
    inspection,
    keys,
    objection,
    proposal,
    push,
    receipt,
    repair,
    report,
    selfservice,
    serve,
    staff,
    stats,
    subjects,
    summary,
    tipoffs,
    worker,
)

app = typer.Typer(
    name="jointcredit",
    help="Registry, joint check and coordination platform for joint incentives and punishments "
    "(国发〔2016〕33号).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _log_masked(
    lang: str | None = typer.Option(
        None,
        "--lang",
        envvar="JOINTCREDIT_LANG",
        metavar="[zh|en]",
        show_envvar=True,
        help="Language of errors and validators' reasons (rejected rows, identifiers): "
        "zh (the default) or en.",
    ),
) -> None:
    # Every command's log lines (a library's warning, the worker's) are masked like the
    # server's: no person's identity number in them (docs/security.md).
    logs.configure()
    from jointcredit.cli.common import choose_language  # the error handler's home

    choose_language(lang)


app.command("demo")(demo.demo)
app.add_typer(ids.app, name="ids")
app.add_typer(imports.app, name="import")
app.add_typer(export.app, name="export")
app.add_typer(subjects.app, name="subjects")
app.command("check")(check.check)
app.command("screen")(check.screen)
app.command("summary")(summary.summary)
app.command("generate")(generate.generate)
app.command("grade")(grade.grade)
app.add_typer(inspection.app, name="inspection")
app.add_typer(db.app, name="db")
app.add_typer(catalog.app, name="catalog")
app.add_typer(departments.app, name="departments")
app.command("serve")(serve.serve)
app.add_typer(keys.app, name="keys")
app.add_typer(staff.app, name="staff")
app.add_typer(selfservice.app, name="selfservice")
app.add_typer(audit.app, name="audit")
app.add_typer(backup.app, name="backup")
app.add_typer(receipt.app, name="receipt")
app.add_typer(proposal.app, name="proposal")
app.add_typer(objection.app, name="objection")
app.add_typer(repair.app, name="repair")
app.add_typer(push.app, name="push")
app.add_typer(feedback.app, name="feedback")
app.add_typer(deadlines.app, name="deadlines")
app.add_typer(calendar.app, name="calendar")
app.add_typer(stats.app, name="stats")
app.command("report")(report.report)
app.add_typer(tipoffs.app, name="reports")
app.command("worker")(worker.worker)


if __name__ == "__main__":
    app()
