"""Risk-based random inspection (双随机、一公开): sampling rates, a verifiable draw, inspector
assignment. Pure code (no storage): :mod:`jointcredit.services.inspections` uses it."""
