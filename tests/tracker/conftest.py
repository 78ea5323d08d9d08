from tests.outbox.conftest import postgres_runtime, runtime

__all__ = ["postgres_runtime", "runtime"]
