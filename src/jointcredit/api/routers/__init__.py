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
    grading,
    inspections,
    keys,
    objections,
    proposals,
    push,
    repairs,
    screen,
    search,
    statistics,
    subjects,
    submissions,
    system,
    tipoffs,
    tracking,
)

ROUTERS: tuple[APIRouter, ...] = (
    system.router,
    catalog.router,
    formats.router,
    subjects.router,
    grading.router,
    inspections.router,
    search.router,
    submissions.router,
    check.router,
    screen.router,
    tipoffs.router,
    audit.router,
    keys.router,
    statistics.router,
    proposals.router,
    objections.router,
    repairs.router,
    push.router,
    feedback.router,
    deadlines.router,
    tracking.router,
    exports.router,
)
