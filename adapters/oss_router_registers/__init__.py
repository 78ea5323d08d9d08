"""Stub national registers, registered under the entry-point group ``oss_router.registers``.

Each answers from a seeded data file (``data/registers.json``, docs/registers.md) with a
configurable latency and error rate, so that the bureau's checks of its own databases run end
to end without them. They import neither SQLAlchemy, FastAPI nor aio-pika.

A new stub register is an entry in the data file (its name, the kinds it holds, how accessible
it is and its records), a factory line below and an entry point in pyproject.toml.
"""

from oss_router_registers.stub import StubRegister, stub_factory

wanted_persons = stub_factory("wanted_persons")
missing_persons = stub_factory("missing_persons")
stolen_vehicles = stub_factory("stolen_vehicles")
stolen_documents = stub_factory("stolen_documents")
dna_profiles = stub_factory("dna_profiles")

__all__ = [
    "StubRegister",
    "dna_profiles",
    "missing_persons",
    "stolen_documents",
    "stolen_vehicles",
    "stub_factory",
    "wanted_persons",
]
