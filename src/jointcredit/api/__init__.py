"""The HTTP API (``/api/v1``): thin routers over the use cases in ``jointcredit.services``."""
