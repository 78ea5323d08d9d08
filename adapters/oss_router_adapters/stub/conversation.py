"""What a stub partner says in a conversation (issue 15): its answer to our question, its
acknowledgement of our reminder, and the information it sends of its own accord (spontaneous
information, Directive (EU) 2023/977 Art. 7, or additional information about a request of
ours it answered), sometimes with a small photograph. Seeded like everything the stubs draw:
the same seed and key give the same message, on any host.

Every message travels as a ``PartnerMessage`` of type ``message``; its ``message_id`` is
derived from the channel and the partner's own reference of the message
(``partner_message_id``), so a message offered twice keeps its id.
"""

import base64
import hashlib
import random
import struct
import zlib
from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from oss_router.messages.codes import Channel, HandlingCode, MessageType
from oss_router.messages.conversation import MessageEnvelope, WireAttachment
from oss_router.messages.inbound import PartnerMessage, partner_message_id
from oss_router_adapters.stub.requests import PartnerProfile

ANSWERS = (
    "The person named was checked again: no further record since our first answer.",
    "The vehicle was re-registered in March; the new holder is a leasing company.",
    "The document number belongs to a series reported stolen from a municipal office.",
    "Our colleagues confirm the address; the person has lived there since 2024.",
    "The photograph you asked for is attached.",
)
ACKNOWLEDGEMENTS = (
    "Your reminder is received; the answer is being prepared and follows shortly.",
    "Received: the request is with the competent authority, which will answer directly.",
)
SPONTANEOUS = (
    "A vehicle with false registration plates crossed the border towards your country.",
    "A person wanted in our country is believed to be travelling to yours by train.",
    "A shipment of counterfeit documents was seized; some were made out in your name.",
)
ADDITIONAL = (
    "Further to our answer: the person was seen again yesterday at the same address.",
    "Further to our answer: the vehicle was found abandoned; it is being examined.",
)
SPONTANEOUS_BASIS = "Directive (EU) 2023/977 Art. 7(1): information relevant to your state"


def _rng(seed: int, *parts: object) -> random.Random:
    # A simulation that must replay identically, not a secret: a seeded PRNG is the point.
    return random.Random(":".join(str(part) for part in (seed, *parts)))  # noqa: S311


def message_reference(profile: PartnerProfile, country: str, key: str) -> str:
    """The partner's own reference of a message it sends: ``<prefix>-<country>-M<hex>``."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:12].upper()
    return f"{profile.reference_prefix}-{country}-M{digest}"


def receipt_reference(profile: PartnerProfile, exchange_message_id: UUID) -> str:
    """The partner's receipt of a message of ours."""
    return f"{profile.reference_prefix}-MSG-{exchange_message_id.hex[:12].upper()}"


def reply_to(
    envelope: MessageEnvelope,
    profile: PartnerProfile,
    authority: str,
    *,
    seed: int,
    attachment_rate: float,
    now: datetime,
) -> PartnerMessage | None:
    """The partner's answer to a question of ours, or its acknowledgement of our reminder
    (None for a message that asks nothing). On the thread of our message: our reference of
    the dispatch, or their reference of the request they sent us."""
    texts: tuple[str, ...]
    if envelope.type in (MessageType.FOLLOW_UP, MessageType.CLARIFICATION):
        kind, texts = MessageType.ANSWER, ANSWERS
    elif envelope.type is MessageType.REMINDER:
        kind, texts = MessageType.ACKNOWLEDGEMENT, ACKNOWLEDGEMENTS
    else:
        return None
    rng = _rng(seed, "reply", envelope.exchange_message_id)
    key = f"reply:{envelope.exchange_message_id}"
    reference = message_reference(profile, envelope.country, key)
    our_reference = envelope.our_reference
    if our_reference is None and envelope.dispatch_id is not None:
        our_reference = str(envelope.dispatch_id)
    with_photo = kind is MessageType.ANSWER and rng.random() < attachment_rate
    return PartnerMessage(
        message_id=partner_message_id(envelope.channel, reference, "message"),
        type="message",
        message_type=kind,
        channel=envelope.channel,
        partner_reference=reference,
        our_reference=our_reference if envelope.inbound_id is None else None,
        in_reply_to=envelope.partner_reference if envelope.inbound_id is not None else None,
        answers_id=envelope.exchange_message_id,
        text=rng.choice(texts),
        requesting_country=envelope.country,
        requesting_authority=authority,
        received_at=now,
        handling_code=envelope.handling_code,
        correlation_id=envelope.correlation_id,
        attachments=[photo(rng, key)] if with_photo else [],
    )


def own_accord(
    profile: PartnerProfile,
    channel: Channel,
    country: str,
    authority: str,
    *,
    seed: int,
    key: str,
    about: str | None,
    attachment_rate: float,
    now: datetime,
) -> PartnerMessage:
    """Information the partner sends of its own accord: additional information about a
    dispatch of ours it answered (``about``: its id), else spontaneous information with its
    legal basis (Directive (EU) 2023/977 Art. 7)."""
    rng = _rng(seed, "own", channel, key)
    reference = message_reference(profile, country, f"own:{channel}:{key}")
    spontaneous = about is None
    return PartnerMessage(
        message_id=partner_message_id(channel, reference, "message"),
        type="message",
        message_type=MessageType.SPONTANEOUS if spontaneous else MessageType.ADDITIONAL_INFORMATION,
        channel=channel,
        partner_reference=reference,
        our_reference=about,
        text=rng.choice(SPONTANEOUS if spontaneous else ADDITIONAL),
        requesting_country=country,
        requesting_authority=authority,
        received_at=now,
        handling_code=rng.choice(list(profile.handling_codes)) if spontaneous else HandlingCode.H0,
        legal_basis=SPONTANEOUS_BASIS if spontaneous else None,
        correlation_id=f"partner-{reference}",
        attachments=[photo(rng, key)] if rng.random() < attachment_rate else [],
    )


def photo(rng: random.Random, key: str) -> WireAttachment:
    """A tiny valid PNG (a few pixels of drawn colours) with its checksum."""
    content = tiny_png(rng)
    return WireAttachment(
        attachment_id=uuid5(NAMESPACE_URL, f"urn:oss-router:stub-photo:{key}"),
        filename="photo.png",
        content_type="image/png",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=base64.b64encode(content),  # Base64Bytes: validated from its wire form
    )


def tiny_png(rng: random.Random, width: int = 4, height: int = 3) -> bytes:
    """A PNG of ``width`` x ``height`` RGB pixels, built by hand (no imaging library)."""
    rows = b"".join(
        b"\x00" + bytes(rng.randrange(256) for _ in range(width * 3)) for _ in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
