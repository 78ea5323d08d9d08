"""One search over everything the bureau holds (``GET /v1/search``)."""
