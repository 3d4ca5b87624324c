"""The coordination loop's workflows as explicit transition tables (issue 5)."""
