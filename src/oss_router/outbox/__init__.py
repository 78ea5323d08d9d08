"""Transactional outbox: rows written with the request, published by the relay."""
