"""Shape of a liaison officer's answer: the post and the officer's own summary."""

from typing import Any

from oss_router.messages.codes import Outcome
from oss_router_adapters.stub import AnswerContext


def build_answer(ctx: AnswerContext) -> dict[str, Any]:
    return {"post": f"Liaison officer {ctx.envelope.country}", "officer_summary": _summary(ctx)}


def _summary(ctx: AnswerContext) -> str:
    kind = ctx.envelope.kind
    if ctx.outcome is Outcome.HIT:
        return (
            f"Checked with the competent local authorities: they hold information on this {kind}."
            " A formal answer follows through the official channel."
        )
    if ctx.outcome is Outcome.REFUSED:
        return f"The competent local authorities decline to answer: {ctx.refusal_basis}."
    return f"Checked with the competent local authorities: nothing on record for this {kind}."
