"""Shape of an Interpol answer: responding NCB, database searched, notice colour on person hits."""

from typing import Any

from oss_router.messages.codes import Kind, Outcome
from oss_router_adapters.stub import AnswerContext

DATABASES = {
    Kind.PERSON: "nominals",
    Kind.VEHICLE: "SMV",  # Stolen Motor Vehicles
    Kind.DOCUMENT: "SLTD",  # Stolen and Lost Travel Documents
    Kind.DNA: "DNA Gateway",
    Kind.FINGERPRINT: "AFIS",
}
NOTICE_COLOURS = ("red", "yellow", "blue", "green")
DOCUMENT_STATUSES = ("stolen", "lost", "revoked")


def build_answer(ctx: AnswerContext) -> dict[str, Any]:
    person_hit = ctx.outcome is Outcome.HIT and ctx.envelope.kind is Kind.PERSON
    colour = ctx.draw.pick("notice_colour", NOTICE_COLOURS) if person_hit else None
    return {
        "responding_ncb": f"NCB {ctx.envelope.country}",
        "message_reference": f"I247-{ctx.message_number:07d}",
        "database_searched": DATABASES[ctx.envelope.kind],
        "notice_colour": colour,
        "remarks": ctx.remark(_hit_remark(ctx, colour)),
    }


def _hit_remark(ctx: AnswerContext, colour: str | None) -> str:
    kind = ctx.envelope.kind
    if kind is Kind.PERSON:
        return f"Nominal record found: subject of a {colour} notice."
    if kind is Kind.VEHICLE:
        return "Vehicle recorded in SMV as stolen."
    if kind is Kind.DOCUMENT:
        status = ctx.draw.pick("document_status", DOCUMENT_STATUSES)
        return f"Document recorded in SLTD as {status}."
    if kind is Kind.FINGERPRINT:
        return "Fingerprints matched in AFIS; the holding NCB will confirm the match."
    return "DNA profile matched; the holding NCB will confirm the match."
