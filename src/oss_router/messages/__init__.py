"""Versioned wire contracts shared by the gateway, the relay, the workers and the tracker.

Every model here is exported as JSON Schema under ``schemas/`` (``oss-router schemas``).
"""
