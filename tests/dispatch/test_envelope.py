"""The envelope tells the channel whether the dispatch is a request under Directive (EU)
2023/977 (SIENA to an EU or Schengen state): only then may a refusal cite Art. 6(1)."""

import uuid
from datetime import UTC, datetime

import pytest

from oss_router.dispatch.staging import directive_exchange
from oss_router.messages.codes import Channel
from oss_router.models import Dispatch


@pytest.mark.parametrize(
    ("channel", "country", "expected"),
    [
        (Channel.EUROPOL, "DE", True),
        (Channel.EUROPOL, "NO", True),  # Schengen associated
        (Channel.EUROPOL, "US", False),  # an operational partner: Reg. (EU) 2016/794
        (Channel.PCCC, "CZ", False),  # a direct exchange between competent authorities
        (Channel.SIRENE, "FR", False),  # Reg. (EU) 2018/1862
        (Channel.PRUM, "DE", False),  # Reg. (EU) 2024/982
        (Channel.INTERPOL, "FR", False),
        (Channel.LIAISON_OFFICER, "UA", False),
    ],
)
def test_directive_exchange(channel: Channel, country: str, expected: bool) -> None:
    now = datetime.now(UTC)
    dispatch = Dispatch(
        id=uuid.uuid4(), channel=channel.value, country=country, due_at=now, created_at=now
    )
    assert directive_exchange(dispatch) is expected
