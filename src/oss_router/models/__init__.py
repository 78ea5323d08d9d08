"""ORM tables, one module per aggregate. Importing this package registers every table."""

from oss_router.models.audit import AuditChainHead, AuditEntry
from oss_router.models.base import Base
from oss_router.models.case import CaseEvent, CaseFile, CaseLink
from oss_router.models.client import ApiClient
from oss_router.models.conversation import Attachment, AttachmentContent, ExchangeMessage
from oss_router.models.dispatch import Dispatch
from oss_router.models.event import RequestEvent
from oss_router.models.inbound import InboundEvent, InboundReply, InboundRequest
from oss_router.models.inbox import ProcessedMessage
from oss_router.models.lease import Lease
from oss_router.models.outbox import OutboxMessage
from oss_router.models.request import ExchangeRequest

__all__ = [
    "ApiClient",
    "Attachment",
    "AttachmentContent",
    "AuditChainHead",
    "AuditEntry",
    "Base",
    "CaseEvent",
    "CaseFile",
    "CaseLink",
    "Dispatch",
    "ExchangeMessage",
    "ExchangeRequest",
    "InboundEvent",
    "InboundReply",
    "InboundRequest",
    "Lease",
    "OutboxMessage",
    "ProcessedMessage",
    "RequestEvent",
]
