"""HTTP endpoint of the search: ``GET /v1/search``. Thin: it delegates to ``search.service``."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from oss_router.auth.principal import Principal, Role
from oss_router.deps import NowDep, SessionDep, require_roles
from oss_router.search import service
from oss_router.search.schemas import SearchResults, SearchType

router = APIRouter(prefix="/v1", tags=["search"])

# As for every read of what is searched: auditors see the audit log only (403).
Searcher = Annotated[Principal, Depends(require_roles(Role.OFFICER, Role.SUPERVISOR, Role.PCCC))]

RESPONSES: dict[int | str, dict[str, Any]] = {
    403: {"description": "The caller's role may not search (auditors see the audit log only)"},
    422: {"description": "q cannot be searched, or the cursor is not this search's"},
}


@router.get("/search", response_model=SearchResults, responses=RESPONSES)
async def search(
    session: SessionDep,
    principal: Searcher,
    now: NowDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=service.MAX_QUERY,
            description="Words to find, each a part of a name (with or without diacritics), "
            "an identifier (with or without separators), a reference, a case title or a "
            "message's text; every word must match. At most 8 words, at least one of three "
            "letters or digits.",
        ),
    ],
    types: Annotated[
        list[SearchType] | None,
        Query(description="Only these kinds of result (repeat the parameter); default: all"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
) -> SearchResults:
    """Everything the caller may read that matches every word, newest first (audited)."""
    return await service.search(
        session, principal, q, types=types or [], limit=limit, cursor=cursor, now=now
    )
