"""One router per resource; they only translate HTTP to the services and back."""

from __future__ import annotations

from fastapi import APIRouter

from jointcredit.api.routers import (
    audit,
    catalog,
    check,
    deadlines,
    exports,
    feedback,
    formats,
    grades,
    inspections,
    keys,
    objections,
    proposals,
    push,
    repairs,
    reports,
    screen,
    search,
    statistics,
    stats,
    subjects,
    submissions,
    system,
)

ROUTERS: tuple[APIRouter, ...] = (
    system.router,
    catalog.router,
    formats.router,
    subjects.router,
    grades.router,
    inspections.router,
    search.router,
    submissions.router,
    check.router,
    screen.router,
    reports.router,
    audit.router,
    keys.router,
    statistics.router,
    proposals.router,
    objections.router,
    repairs.router,
    push.router,
    feedback.router,
    deadlines.router,
    stats.router,
    exports.router,
)
