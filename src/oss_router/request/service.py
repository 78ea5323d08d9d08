"""What the request endpoints call: intake, the routing preview, reads, lists, cancellation.

Only the endpoints import this module (tests/test_architecture.py): the back-end roles move
dispatches through ``oss_router.dispatch``; each use case lives in its own module.
"""

from oss_router.request.batching import create_request, create_requests
from oss_router.request.cancel import cancel_request
from oss_router.request.intake import CreateOutcome, Intake
from oss_router.request.preview import preview
from oss_router.request.reads import get_request, list_requests, visible_to

__all__ = [
    "CreateOutcome",
    "Intake",
    "cancel_request",
    "create_request",
    "create_requests",
    "get_request",
    "list_requests",
    "preview",
    "visible_to",
]
