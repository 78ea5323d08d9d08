"""``oss-router token issue``: a token from the development issuer.

Light on purpose (no database, no web framework): it is run often, by hand and by scripts.
"""

import argparse
import sys

from pydantic import ValidationError

from oss_router.auth.principal import Principal
from oss_router.auth.schemas import DevTokenRequest
from oss_router.auth.setup import development_signer
from oss_router.clock import utcnow
from oss_router.config import get_settings


def issue(args: argparse.Namespace) -> int:
    settings = get_settings()
    signer = development_signer(settings)
    if signer is None:
        print("the development issuer is not enabled", file=sys.stderr)
        return 2
    try:
        body = DevTokenRequest(role=args.role, subject=args.subject, unit=args.unit)
    except ValidationError as error:
        print(first_error(error), file=sys.stderr)
        return 2
    principal = Principal(subject=body.subject, role=body.role, unit=body.unit)
    ttl = args.ttl or settings.dev_token_seconds
    print(signer.issue(principal, ttl_seconds=ttl, now=utcnow()))
    return 0


def first_error(error: ValidationError) -> str:
    first = error.errors(include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "value"
    return f"{where}: {first['msg']}"
