"""Channel adapters: the typed contract, the entry-point registry and the worker runtime."""
