"""``AdapterAnswer``: a refusal carries exactly one of an Art. 6(1) ground (requests under
Directive (EU) 2023/977) or the channel's own words; no other outcome carries either."""

from typing import Any

import pytest
from pydantic import ValidationError

from oss_router.channel.contract import AdapterAnswer
from oss_router.messages.codes import Outcome, RefusalGround


@pytest.mark.parametrize(
    "fields",
    [
        {"outcome": Outcome.REFUSED, "refusal_ground": RefusalGround.A},
        {"outcome": Outcome.REFUSED, "refusal_reason": "INTERPOL Constitution Art. 3"},
        {"outcome": Outcome.HIT},
        {"outcome": Outcome.NO_HIT},
    ],
)
def test_valid_answers(fields: dict[str, Any]) -> None:
    assert AdapterAnswer(answer={}, **fields).outcome is fields["outcome"]


@pytest.mark.parametrize(
    "fields",
    [
        {"outcome": Outcome.REFUSED},
        {"outcome": Outcome.REFUSED, "refusal_ground": RefusalGround.A, "refusal_reason": "x"},
        {"outcome": Outcome.HIT, "refusal_ground": RefusalGround.A},
        {"outcome": Outcome.NO_HIT, "refusal_reason": "declined"},
    ],
)
def test_invalid_answers(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="refusal"):
        AdapterAnswer(answer={}, **fields)
