"""Retention: erasing the personal data of requests kept longer than necessary."""
