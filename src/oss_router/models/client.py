"""OAuth2 clients (PCCC systems): client credentials, secrets stored as argon2 hashes only."""

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from oss_router.models.base import Base, UTCDateTime


class ApiClient(Base):
    __tablename__ = "api_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str] = mapped_column(String(100))
    secret_hash: Mapped[str] = mapped_column(Text)
    # Bumped by every rotation and revocation; tokens carry it, so older tokens stop working.
    generation: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rotated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
