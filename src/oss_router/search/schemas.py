"""API schemas of ``GET /v1/search``: one result (``SearchItem``) and a page of them."""

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

SearchType = Literal["request", "inbound", "case", "message"]


class SearchItem(BaseModel):
    type: SearchType = Field(
        description="request: sent by the bureau; inbound: received from a partner; case: a "
        "case file; message: a message of a conversation"
    )
    id: UUID
    title: str = Field(description="A short label: kind and reference, case title, message type")
    summary: str = Field(description="What it is about, in a line (subject, countries, status)")
    created_at: AwareDatetime = Field(
        description="When it was made (a received request: when it was received)"
    )
    href: str = Field(description="Where to read it: /v1/requests/…, /v1/inbound/…, …")


class SearchResults(BaseModel):
    items: list[SearchItem]
    next_cursor: str | None
