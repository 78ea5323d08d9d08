"""The shipped adapter contract (``oss_router.channel.testing``), run on each stub adapter.

What is stub-specific lives here as class attributes: the fast configuration, one rate setting
per outcome, the invalid settings, the answer keys of each channel (docs/adapters.md). The
factory under test is the installed entry point, so what is checked is what the workers load.
"""

from collections.abc import Mapping

from oss_router.channel.contract import ChannelAdapter
from oss_router.channel.registry import discover
from oss_router.channel.testing import AdapterContract
from oss_router.messages.codes import BIOMETRIC_KINDS, Channel, Kind

FACTORIES = discover()

# Every stub answer says it is simulated and when the simulated channel received and answered.
COMMON_KEYS = frozenset({"simulated", "received_at", "answered_at"})
INVALID_CONFIGS = [
    ({"latency_ms": "-1"}, "latency_ms"),
    ({"latency_ms": "fast"}, "latency_ms"),
    ({"latency_jitter_ms": "-5"}, "latency_jitter_ms"),
    ({"failure_rate": "1.5"}, "failure_rate"),
    ({"hit_rate": "often"}, "hit_rate"),
    ({"refusal_rate": "-0.1"}, "refusal_rate"),
    ({"seed": "abc"}, "seed"),
    ({"healthy": "perhaps"}, "healthy"),
    ({"latency": "10"}, "latency"),
    ({"hit_rate": "0.8", "refusal_rate": "0.3"}, "hit_rate + refusal_rate"),
    ({"inbound_per_minute": "-1"}, "inbound_per_minute"),
    ({"visibility_seconds": "0"}, "visibility_seconds"),
    ({"clarification_answer_rate": "2"}, "clarification_answer_rate"),
    ({"message_answer_rate": "1.2"}, "message_answer_rate"),
    ({"message_answer_delay_ms": "-1"}, "message_answer_delay_ms"),
    ({"spontaneous_per_minute": "-2"}, "spontaneous_per_minute"),
    ({"message_attachment_rate": "often"}, "message_attachment_rate"),
]
PERSONS_AND_OBJECTS = frozenset({Kind.PERSON, Kind.VEHICLE, Kind.DOCUMENT})


class StubContract(AdapterContract):
    """The settings every stub shares (no ``Test`` prefix: not collected itself)."""

    config = {"latency_ms": "0"}
    answer_configs = (
        {"hit_rate": "1", "refusal_rate": "0"},
        {"hit_rate": "0", "refusal_rate": "1"},
        {"hit_rate": "0", "refusal_rate": "0"},
    )
    invalid_configs = INVALID_CONFIGS
    receiving = True
    receive_config = {"visibility_seconds": "0.2"}
    reoffer_seconds = 0.2
    conversing = True
    conversation_config = {"message_answer_rate": "1", "message_attachment_rate": "0.5"}
    # One message of its own accord every 10 ms, with a photograph now and then.
    own_accord_config = {"spontaneous_per_minute": "6000", "message_attachment_rate": "0.5"}

    def create_adapter(self, config: Mapping[str, str]) -> ChannelAdapter:
        return FACTORIES[self.channel](config)


class TestSireneStub(StubContract):
    channel = Channel.SIRENE
    kinds = frozenset(Kind)
    answer_keys = COMMON_KEYS | {
        "responding_bureau",
        "form",
        "alert_article",
        "sis_alert_id",
        "action_to_take",
        "remarks",
    }


class TestEuropolStub(StubContract):
    channel = Channel.EUROPOL
    kinds = frozenset(Kind)
    answer_keys = COMMON_KEYS | {
        "siena_reference",
        "handling_code",
        "evaluation_code",
        "responding_spoc",
        "remarks",
    }


class TestInterpolStub(StubContract):
    channel = Channel.INTERPOL
    kinds = frozenset(Kind)
    answer_keys = COMMON_KEYS | {
        "responding_ncb",
        "message_reference",
        "database_searched",
        "notice_colour",
        "remarks",
    }


class TestLiaisonOfficerStub(StubContract):
    channel = Channel.LIAISON_OFFICER
    kinds = PERSONS_AND_OBJECTS
    answer_keys = COMMON_KEYS | {"post", "officer_summary"}


class TestPcccStub(StubContract):
    channel = Channel.PCCC
    kinds = PERSONS_AND_OBJECTS
    answer_keys = COMMON_KEYS | {"centre", "check_performed", "result", "remarks"}


class TestPrumStub(StubContract):
    channel = Channel.PRUM
    kinds = BIOMETRIC_KINDS
    # Nobody sends the bureau requests through Prüm: another state's search is answered by our
    # databases themselves (tests/adapters/test_stub_partner.py checks the stub says so).
    receiving = False
    conversing = False
    answer_keys = COMMON_KEYS | {
        "national_contact_point",
        "search",
        "result",
        "partner_reference",
        "match_detail",
        "follow_up",
        "remarks",
    }


def test_every_installed_adapter_has_its_contract_test() -> None:
    tested = {cls.channel for cls in StubContract.__subclasses__()}
    assert tested == set(FACTORIES)
