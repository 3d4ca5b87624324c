"""The strings of the signed-in parts of the web, one module per part, each with ``ZH`` and
``EN`` dictionaries of the same keys. :mod:`jointcredit.web.i18n` merges them with the portal's;
a key defined twice is an error at import, so two parts cannot silently overwrite each other."""

PARTS = ("console", "submit", "queues", "selfservice", "dashboard", "throttle", "reports")
