"""The timeline of a request received from a partner: one append-only event per change.

``record_inbound_event(work, inbound_id=..., type=..., ...)`` is the unit of work's own
(``UnitOfWork.record_inbound_event``), named here for the inbound package's callers."""

from oss_router.unit_of_work import UnitOfWork

record_inbound_event = UnitOfWork.record_inbound_event
