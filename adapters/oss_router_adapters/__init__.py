"""Stub channel adapters, one package per channel, registered under ``oss_router.adapters``.

They simulate the real channels (SIRENE, Europol/SIENA, Interpol I-24/7, liaison officers,
PCCCs) with a seeded, documented rule, so that the router runs end to end without them.
See ``docs/adapters.md``. Adapters import neither SQLAlchemy, FastAPI nor aio-pika.
"""
