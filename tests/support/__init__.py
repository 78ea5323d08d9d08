"""Shared test helpers (services, payloads, polling)."""
