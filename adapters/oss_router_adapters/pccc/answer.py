"""Shape of a PCCC answer: the centre, the check it performed and its result."""

from typing import Any

from oss_router.messages.codes import Kind, Outcome
from oss_router_adapters.stub import AnswerContext

CHECKS: dict[Kind, tuple[str, ...]] = {
    Kind.PERSON: ("identity", "address"),
    Kind.VEHICLE: ("vehicle_holder",),
    Kind.DOCUMENT: ("document",),
}
RESULTS = {Outcome.HIT: "record_found", Outcome.NO_HIT: "no_record", Outcome.REFUSED: "refused"}


def build_answer(ctx: AnswerContext) -> dict[str, Any]:
    check = ctx.draw.pick("check", CHECKS[ctx.envelope.kind])
    return {
        "centre": f"PCCC {ctx.envelope.country}",
        "check_performed": check,
        "result": RESULTS[ctx.outcome],
        "remarks": ctx.remark(f"{check.replace('_', ' ').capitalize()} check: record found."),
    }
