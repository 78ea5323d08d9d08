"""Bodies of the actions on a received request (``POST /v1/inbound/{id}/...``).

The field names are the ones clients are written against (issue 13): assign ``{officer}``,
answer ``{outcome, information}``, refuse ``{ground, reason}``, clarification-request
``{question}``, delay ``{reason, expected_by}``.
"""

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from oss_router.auth.tokens import MAX_SUBJECT_LENGTH
from oss_router.field_messages import explained
from oss_router.input import InputModel
from oss_router.messages.codes import RefusalGround

OFFICER_PATTERN = explained(
    r"^[\x21-\x7e]+$",
    "Name the officer as their sign-in name (the subject of their token), without spaces.",
)

Officer = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_SUBJECT_LENGTH, pattern=OFFICER_PATTERN)
]
Text = Annotated[str, StringConstraints(min_length=3, max_length=2000)]
Information = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]


class AssignBody(InputModel):
    officer: Officer = Field(
        description="Who works the request: yourself (taking it), or — supervisors only — "
        "another officer"
    )


class AnswerBody(InputModel):
    outcome: Literal["hit", "no_hit"]
    information: Information | None = Field(
        default=None,
        description="What the bureau provides (required for a hit): disclosed to the "
        "requesting authority, audited as a disclosure (LED 2016/680 Art. 25)",
    )


class RefuseBody(InputModel):
    ground: RefusalGround | None = Field(
        default=None,
        description="Directive (EU) 2023/977 Art. 6(1)(a)-(h): required for a request under "
        "the Directive (SIENA from an EU or Schengen associated state), refused for others, "
        "which give their reason only",
    )
    reason: Text = Field(description="The reasons communicated to the requesting side (Art. 6(2))")


class ClarificationRequestBody(InputModel):
    question: Text = Field(
        description="What the partner must clarify; the time limits are suspended from its "
        "receipt until the answer (Directive (EU) 2023/977 Art. 6(3))"
    )


class DelayBody(InputModel):
    reason: Text = Field(
        description="Why the answer is late (for a Directive request: the judicial "
        "authorisation it needs, Art. 5(2))"
    )
    expected_by: AwareDatetime = Field(
        description="When the answer is expected: the new due time, after the current one "
        "and within a year"
    )
