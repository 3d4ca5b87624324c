"""The measure catalog: departments, matters, list types and the documents (memoranda,
opinions, policies) whose measures a check applies.

The catalog is data (YAML, ``jointcredit/data/catalog`` plus the operator's files), loaded and
checked once at start: :func:`load_catalog` refuses a catalog with errors, :func:`lint` lists
every problem with file and line. ``Catalog.version`` names the exact files a check used.
"""

from jointcredit.catalog.loader import (
    SHIPPED_DIR,
    LintReport,
    default_paths,
    lint,
    lint_report,
    load_catalog,
)
from jointcredit.catalog.model import (
    Binding,
    Catalog,
    CatalogError,
    CatalogVersion,
    Category,
    CleanRecord,
    Department,
    Document,
    DocumentKind,
    ListKind,
    ListType,
    Location,
    Matter,
    Measure,
    MeasureKind,
    Problem,
    Severity,
    Status,
    SubjectType,
    Target,
    Trigger,
)

__all__ = [
    "SHIPPED_DIR",
    "Binding",
    "Catalog",
    "CatalogError",
    "CatalogVersion",
    "Category",
    "CleanRecord",
    "Department",
    "Document",
    "DocumentKind",
    "LintReport",
    "ListKind",
    "ListType",
    "Location",
    "Matter",
    "Measure",
    "MeasureKind",
    "Problem",
    "Severity",
    "Status",
    "SubjectType",
    "Target",
    "Trigger",
    "default_paths",
    "lint",
    "lint_report",
    "load_catalog",
]
