"""Shape of a SIRENE answer: form G on a hit, form M (miscellaneous) otherwise."""

from typing import Any

from oss_router.messages.codes import Kind, Outcome
from oss_router_adapters.stub import AnswerContext

# Alert articles of Regulation (EU) 2018/1862 a person can be the subject of.
PERSON_ARTICLES = (26, 32, 34, 36)
OBJECT_ARTICLE = 38
DNA_ARTICLE = 32  # DNA profiles are entered in SIS to identify missing persons

ACTIONS = {
    26: "Arrest with a view to surrender or extradition; inform the issuing bureau at once.",
    32: "Place under protection or establish whereabouts; inform the issuing bureau.",
    34: "Communicate the place of residence or domicile to the issuing judicial authority.",
    36: "Discreet or specific check: collect the information and report; do not reveal the alert.",
    38: "Seize the object and inform the issuing bureau.",
}


def build_answer(ctx: AnswerContext) -> dict[str, Any]:
    article = _article(ctx) if ctx.outcome is Outcome.HIT else None
    return {
        "responding_bureau": f"SIRENE {ctx.envelope.country}",
        "form": "G" if article is not None else "M",
        "alert_article": article,
        "sis_alert_id": _alert_id(ctx) if article is not None else ctx.envelope.sis_alert_id,
        "action_to_take": ACTIONS[article] if article is not None else None,
        "remarks": ctx.remark(f"Hit on an Art. {article} alert."),
    }


def _article(ctx: AnswerContext) -> int:
    if ctx.envelope.kind in (Kind.PERSON, Kind.FINGERPRINT):  # fingerprints of a person alert
        return ctx.draw.pick("alert_article", PERSON_ARTICLES)
    if ctx.envelope.kind is Kind.DNA:
        return DNA_ARTICLE
    return OBJECT_ARTICLE


def _alert_id(ctx: AnswerContext) -> str:
    # A follow-up names the alert it is about; a fresh hit names the alert that was found.
    if ctx.envelope.sis_alert_id is not None:
        return ctx.envelope.sis_alert_id
    return f"{ctx.envelope.country}{ctx.draw.pick('sis_alert_id', range(10**12)):012d}"
