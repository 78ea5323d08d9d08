"""Shape of a Prüm answer: hit or no hit, and on a hit the reference the requested state gives
its record, which the follow-up request names (Regulation (EU) 2024/982 Art. 47)."""

from typing import Any

from oss_router.messages.codes import Kind, Outcome
from oss_router_adapters.stub import AnswerContext

SEARCHES = {Kind.DNA: "dna_profile_search", Kind.FINGERPRINT: "dactyloscopic_search"}
DATABASES = {Kind.DNA: "DNA", Kind.FINGERPRINT: "AFIS"}
DNA_MATCHES = ("full match", "near match (one allele differs)")
FOLLOW_UP = (
    "Confirm the match, then request the data behind it through SIENA: the core data are owed "
    "within 48 hours of the confirmation (Regulation (EU) 2024/982 Art. 47(1))."
)


def build_answer(ctx: AnswerContext) -> dict[str, Any]:
    hit = ctx.outcome is Outcome.HIT
    return {
        "national_contact_point": f"Prüm NCP {ctx.envelope.country}",
        "search": SEARCHES[ctx.envelope.kind],
        "result": "hit" if hit else "no_hit",
        "partner_reference": _reference(ctx) if hit else None,
        "match_detail": _match_detail(ctx) if hit else None,
        "follow_up": FOLLOW_UP if hit else None,
        "remarks": ctx.remark("Match found in the requested state's database."),
    }


def _reference(ctx: AnswerContext) -> str:
    database = DATABASES[ctx.envelope.kind]
    number = ctx.draw.pick("partner_reference", range(10**8))
    return f"{ctx.envelope.country}-{database}-{number:08d}"


def _match_detail(ctx: AnswerContext) -> str:
    if ctx.envelope.kind is Kind.DNA:
        loci = ctx.envelope.subject.get("loci")
        count = len(loci) if isinstance(loci, dict) else 0
        return f"{ctx.draw.pick('dna_match', DNA_MATCHES)} on {count} loci"
    scene = ctx.envelope.subject.get("print_type") == "latent"
    compared = "scene mark against prints of persons" if scene else "prints of a person"
    return f"candidate confirmed by the requested state's AFIS ({compared})"
