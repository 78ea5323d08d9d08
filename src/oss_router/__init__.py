"""oss-router: the one stop shop for international police information exchange."""

__version__ = "0.1.0"
