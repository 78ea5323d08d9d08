"""What each channel's answer says, beyond the shape the contract test checks."""

import re
from typing import Any

import pytest

from oss_router.channel.contract import AdapterAnswer
from oss_router.messages.codes import Channel, HandlingCode, Kind, Outcome
from oss_router_adapters import europol, interpol, liaison_officer, pccc, prum, sirene
from oss_router_adapters.sirene.answer import ACTIONS, PERSON_ARTICLES

HITS = {"latency_ms": "0", "hit_rate": "1", "refusal_rate": "0"}
REFUSALS = {"latency_ms": "0", "hit_rate": "0", "refusal_rate": "1"}
NO_HITS = {"latency_ms": "0", "hit_rate": "0", "refusal_rate": "0"}


async def _answers(
    module: Any, config: dict[str, str], envelopes: list[Any]
) -> list[AdapterAnswer]:
    adapter = module.create_adapter(config)
    return [await adapter.send(envelope) for envelope in envelopes]


class TestSirene:
    async def test_person_hit_is_a_g_form_on_a_person_article(
        self, make_envelope: Any, subjects_of: Any
    ) -> None:
        envelopes = [make_envelope(Channel.SIRENE, subject=s) for s in subjects_of(Kind.PERSON, 40)]
        answers = [a.answer for a in await _answers(sirene, HITS, envelopes)]
        assert {a["form"] for a in answers} == {"G"}
        assert {a["alert_article"] for a in answers} == set(PERSON_ARTICLES)
        assert all(a["action_to_take"] == ACTIONS[a["alert_article"]] for a in answers)
        assert all(a["responding_bureau"] == "SIRENE DE" for a in answers)

    @pytest.mark.parametrize("kind", [Kind.VEHICLE, Kind.DOCUMENT])
    async def test_objects_are_article_38(self, make_envelope: Any, kind: Kind) -> None:
        [answer] = await _answers(sirene, HITS, [make_envelope(Channel.SIRENE, kind)])
        assert answer.answer["alert_article"] == 38

    async def test_follow_up_names_the_alert(self, make_envelope: Any) -> None:
        envelope = make_envelope(Channel.SIRENE, sis_alert_id="DE00012345678")
        for config in (HITS, NO_HITS):
            [answer] = await _answers(sirene, config, [envelope])
            assert answer.answer["sis_alert_id"] == "DE00012345678"

    @pytest.mark.parametrize("config", [NO_HITS, REFUSALS])
    async def test_no_hit_or_refusal_is_an_m_form(
        self, make_envelope: Any, config: dict[str, str]
    ) -> None:
        [answer] = await _answers(sirene, config, [make_envelope(Channel.SIRENE)])
        assert answer.answer["form"] == "M"
        assert answer.answer["alert_article"] is None
        assert answer.answer["action_to_take"] is None


class TestEuropol:
    @pytest.mark.parametrize("code", list(HandlingCode))
    async def test_answer_keeps_the_handling_code(
        self, make_envelope: Any, code: HandlingCode
    ) -> None:
        [answer] = await _answers(
            europol, NO_HITS, [make_envelope(Channel.EUROPOL, handling_code=code)]
        )
        assert answer.answer["handling_code"] == code.value

    async def test_hits_carry_an_evaluation_code(
        self, make_envelope: Any, subjects_of: Any
    ) -> None:
        envelopes = [
            make_envelope(Channel.EUROPOL, subject=s) for s in subjects_of(Kind.PERSON, 40)
        ]
        codes = {a.answer["evaluation_code"] for a in await _answers(europol, HITS, envelopes)}
        assert all(re.fullmatch(r"[ABCX][1-4]", code) for code in codes)
        assert len(codes) > 1

    async def test_a_no_hit_is_not_evaluated(self, make_envelope: Any) -> None:
        [answer] = await _answers(europol, NO_HITS, [make_envelope(Channel.EUROPOL)])
        assert answer.answer["evaluation_code"] is None
        assert answer.answer["responding_spoc"] == "SPOC DE"
        assert re.fullmatch(r"SIENA-DE-\d{7}", answer.answer["siena_reference"])


class TestInterpol:
    @pytest.mark.parametrize(
        ("kind", "database"),
        [
            (Kind.PERSON, "nominals"),
            (Kind.VEHICLE, "SMV"),
            (Kind.DOCUMENT, "SLTD"),
            (Kind.DNA, "DNA Gateway"),
        ],
    )
    async def test_database_searched(self, make_envelope: Any, kind: Kind, database: str) -> None:
        [answer] = await _answers(interpol, HITS, [make_envelope(Channel.INTERPOL, kind)])
        assert answer.answer["database_searched"] == database
        assert answer.answer["responding_ncb"] == "NCB DE"

    async def test_only_person_hits_carry_a_notice(self, make_envelope: Any) -> None:
        kinds = list(Kind)
        envelopes = [make_envelope(Channel.INTERPOL, kind) for kind in kinds]
        hits = dict(zip(kinds, await _answers(interpol, HITS, envelopes), strict=True))
        assert hits[Kind.PERSON].answer["notice_colour"] in {"red", "yellow", "blue", "green"}
        assert all(hits[k].answer["notice_colour"] is None for k in kinds if k is not Kind.PERSON)
        [no_hit] = await _answers(interpol, NO_HITS, envelopes[:1])
        assert no_hit.answer["notice_colour"] is None


class TestLiaisonOfficer:
    @pytest.mark.parametrize("config", [HITS, NO_HITS, REFUSALS])
    async def test_officer_writes_a_summary(
        self, make_envelope: Any, config: dict[str, str]
    ) -> None:
        envelope = make_envelope(Channel.LIAISON_OFFICER, country="NO")
        [answer] = await _answers(liaison_officer, config, [envelope])
        assert answer.answer["post"] == "Liaison officer NO"
        assert "local authorities" in answer.answer["officer_summary"]


class TestPccc:
    @pytest.mark.parametrize(
        ("kind", "checks"),
        [
            (Kind.PERSON, {"identity", "address"}),
            (Kind.VEHICLE, {"vehicle_holder"}),
            (Kind.DOCUMENT, {"document"}),
        ],
    )
    async def test_check_performed(
        self, make_envelope: Any, subjects_of: Any, kind: Kind, checks: set[str]
    ) -> None:
        envelopes = [make_envelope(Channel.PCCC, kind, s) for s in subjects_of(kind, 20)]
        answers = await _answers(pccc, NO_HITS, envelopes)
        assert {a.answer["check_performed"] for a in answers} == checks

    @pytest.mark.parametrize(
        ("config", "outcome", "result"),
        [
            (HITS, Outcome.HIT, "record_found"),
            (NO_HITS, Outcome.NO_HIT, "no_record"),
            (REFUSALS, Outcome.REFUSED, "refused"),
        ],
    )
    async def test_result_follows_the_outcome(
        self, make_envelope: Any, config: dict[str, str], outcome: Outcome, result: str
    ) -> None:
        [answer] = await _answers(pccc, config, [make_envelope(Channel.PCCC, country="CZ")])
        assert answer.outcome is outcome
        assert answer.answer["result"] == result
        assert answer.answer["centre"] == "PCCC CZ"


class TestPrum:
    @pytest.mark.parametrize(
        ("kind", "search", "database"),
        [
            (Kind.DNA, "dna_profile_search", "DNA"),
            (Kind.FINGERPRINT, "dactyloscopic_search", "AFIS"),
        ],
    )
    async def test_a_hit_names_the_partners_reference_and_the_follow_up(
        self, make_envelope: Any, kind: Kind, search: str, database: str
    ) -> None:
        [answer] = await _answers(prum, HITS, [make_envelope(Channel.PRUM, kind, country="NL")])
        assert answer.outcome is Outcome.HIT
        body = answer.answer
        assert (body["result"], body["search"]) == ("hit", search)
        assert body["partner_reference"].startswith(f"NL-{database}-")
        assert body["national_contact_point"] == "Prüm NCP NL"
        assert "Art. 47(1)" in body["follow_up"]
        assert body["match_detail"]

    async def test_a_dna_hit_counts_the_loci_compared(self, make_envelope: Any) -> None:
        [answer] = await _answers(prum, HITS, [make_envelope(Channel.PRUM, Kind.DNA)])
        assert answer.answer["match_detail"].endswith("on 4 loci")  # the sample profile's

    async def test_a_latent_mark_is_compared_against_tenprints(self, make_envelope: Any) -> None:
        [answer] = await _answers(prum, HITS, [make_envelope(Channel.PRUM, Kind.FINGERPRINT)])
        assert "scene mark" in answer.answer["match_detail"]

    @pytest.mark.parametrize("config", [NO_HITS, REFUSALS])
    async def test_no_hit_carries_no_reference_and_is_never_a_refusal(
        self, make_envelope: Any, config: dict[str, str]
    ) -> None:
        [answer] = await _answers(prum, config, [make_envelope(Channel.PRUM, Kind.DNA)])
        assert answer.outcome is Outcome.NO_HIT
        assert answer.answer["result"] == "no_hit"
        assert answer.answer["partner_reference"] is None
        assert answer.answer["follow_up"] is None
