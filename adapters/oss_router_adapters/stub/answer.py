"""What a channel's answer builder is given, and the phrases every channel shares."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from oss_router.messages.codes import Outcome, RefusalGround
from oss_router.messages.dispatch import DispatchEnvelope
from oss_router_adapters.stub.outcome import Draw

NO_RECORD = "No record found."


@dataclass(frozen=True)
class AnswerContext:
    """One decided lookup: the envelope, its outcome and the draw to pick details from."""

    envelope: DispatchEnvelope
    outcome: Outcome
    refusal_ground: RefusalGround | None
    draw: Draw
    refusal_reason: str | None = None  # a refusal outside the Directive, in the channel's words

    @property
    def message_number(self) -> int:
        """Number of the channel's own message: one per dispatch, unlike the subject's draw."""
        return self.envelope.dispatch_id.int % 10_000_000

    def remark(self, hit: str) -> str:
        """``hit`` when found, otherwise the shared no-record or refusal phrase."""
        if self.outcome is Outcome.HIT:
            return hit
        if self.outcome is Outcome.REFUSED:
            return f"Request refused: {self.refusal_basis}."
        return NO_RECORD

    @property
    def refusal_basis(self) -> str:
        """The ground (Directive (EU) 2023/977 Art. 6(1)) or the channel's own reason."""
        if self.refusal_ground is not None:
            return f"Directive (EU) 2023/977 Art. 6(1)({self.refusal_ground})"
        return self.refusal_reason or "no reason given"


# A channel's answer body: only what the real channel would send back, no echo of the subject.
AnswerBuilder = Callable[[AnswerContext], dict[str, Any]]
