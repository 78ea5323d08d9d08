"""The shipped adapter contract fails an adapter that breaks it (the stubs show it passes)."""

from collections.abc import Mapping

import pytest

from oss_router.channel.contract import AdapterAnswer, ChannelAdapter, PermanentChannelError
from oss_router.channel.testing import AdapterContract
from oss_router.messages.codes import Channel, Kind, Outcome
from oss_router.messages.dispatch import DispatchEnvelope


class CarelessAdapter:
    """Takes every dispatch, whatever its channel or kind, and copies the subject back."""

    channel = Channel.PCCC

    async def send(self, envelope: DispatchEnvelope) -> AdapterAnswer:
        return AdapterAnswer(outcome=Outcome.HIT, answer={"echo": envelope.subject})

    async def health(self) -> bool:
        return True

    async def aclose(self) -> None:
        return None


class CarelessContract(AdapterContract):
    channel = Channel.PCCC
    kinds = frozenset({Kind.PERSON})
    answer_keys = frozenset({"centre"})

    def create_adapter(self, config: Mapping[str, str]) -> ChannelAdapter:
        return CarelessAdapter()


@pytest.mark.parametrize(
    "check",
    [
        "test_every_kind_it_takes_is_answered_in_the_channel_shape",
        "test_the_answer_does_not_echo_the_subject",
    ],
)
async def test_an_answer_breaking_the_contract_fails_it(check: str) -> None:
    with pytest.raises(AssertionError):
        await getattr(CarelessContract(), check)()


@pytest.mark.parametrize(
    "check",
    [
        "test_a_kind_it_does_not_take_is_refused_for_good",
        "test_a_dispatch_for_another_channel_is_refused_for_good",
    ],
)
async def test_a_dispatch_it_must_refuse_but_takes_fails_the_contract(check: str) -> None:
    with pytest.raises(pytest.fail.Exception, match=PermanentChannelError.__name__):
        await getattr(CarelessContract(), check)(CarelessAdapter())


def test_a_subclass_without_a_factory_says_what_is_missing() -> None:
    class Incomplete(AdapterContract):
        channel = Channel.PCCC

    with pytest.raises(NotImplementedError, match="Incomplete must implement create_adapter"):
        Incomplete().create_adapter({})
