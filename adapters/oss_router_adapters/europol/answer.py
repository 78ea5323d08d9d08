"""Shape of a SIENA answer: message reference, handling code and, on a hit, evaluation code."""

from typing import Any

from oss_router.messages.codes import Outcome
from oss_router_adapters.stub import AnswerContext

# Europol 4x4: reliability of the source, and of the information.
SOURCE_CODES = ("A", "B", "C", "X")
INFORMATION_CODES = ("1", "2", "3", "4")


def build_answer(ctx: AnswerContext) -> dict[str, Any]:
    return {
        "siena_reference": f"SIENA-{ctx.envelope.country}-{ctx.message_number:07d}",
        # The answer travels under the handling code the request set.
        "handling_code": str(ctx.envelope.handling_code),
        "evaluation_code": _evaluation(ctx) if ctx.outcome is Outcome.HIT else None,
        "responding_spoc": f"SPOC {ctx.envelope.country}",
        "remarks": ctx.remark(f"Information held on this {ctx.envelope.kind}; see attachment."),
    }


def _evaluation(ctx: AnswerContext) -> str:
    return ctx.draw.pick("source", SOURCE_CODES) + ctx.draw.pick("information", INFORMATION_CODES)
