"""Documents made from the registry's figures: the credit analysis report (issue 7) as one
self-contained HTML file (inline CSS, charts as inline SVG, no script, nothing fetched) or as PDF
through WeasyPrint. The figures come from :mod:`jointcredit.services.analysis`."""

from __future__ import annotations

from jointcredit.reports.render import FORMATS, html, output_format, pdf, write

__all__ = ["FORMATS", "html", "output_format", "pdf", "write"]
