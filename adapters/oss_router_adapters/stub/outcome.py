"""The seeded rule that decides a stub's outcome: same envelope, same outcome, every time.

    material = f"{seed}|{channel}|{country}|{kind}|{canonical JSON of subject}"
    digest   = sha256(material as UTF-8)
    draw     = (first 8 bytes of digest, big-endian) >> 11, divided by 2**53   -> [0, 1)

``draw < hit_rate`` is a hit; ``draw < hit_rate + refusal_rate`` a refusal (never for DNA or
fingerprints: automated Prüm-style comparisons answer hit / no hit only); anything else no hit.
A refusal of a request under Directive (EU) 2023/977 (``envelope.directive_exchange``) carries
an Art. 6(1) ground; any other channel refuses in its own words (the profile's reasons).
Every other detail of an answer that depends on what was found (refusal ground, alert
article, notice colour, ...) is picked from the same digest, so it is as stable as the outcome.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from oss_router.messages.codes import BIOMETRIC_KINDS, Kind, Outcome, RefusalGround
from oss_router.messages.dispatch import DispatchEnvelope

T = TypeVar("T")

GROUNDS: tuple[RefusalGround, ...] = tuple(RefusalGround)


def canonical_json(value: Any) -> str:
    """Key order and spacing fixed, so equal subjects hash equally.

    ``default=str`` covers dates a caller may have put in the subject dict without serialising.
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _fraction(digest: bytes) -> float:
    # 53 bits: what a float holds exactly, so the result can never round up to 1.0.
    return (int.from_bytes(digest[:8], "big") >> 11) / 2**53


@dataclass(frozen=True)
class Draw:
    """The digest of one envelope's lookup, and the choices derived from it."""

    digest: bytes

    @property
    def value(self) -> float:
        return _fraction(self.digest)

    def pick(self, label: str, options: Sequence[T]) -> T:
        """A stable choice; ``label`` keeps separate choices independent of each other."""
        sub = hashlib.sha256(self.digest + label.encode()).digest()
        return options[int.from_bytes(sub[:8], "big") % len(options)]


def draw_for(seed: int, envelope: DispatchEnvelope) -> Draw:
    subject = canonical_json(envelope.subject)
    material = f"{seed}|{envelope.channel}|{envelope.country}|{envelope.kind}|{subject}"
    return Draw(hashlib.sha256(material.encode()).digest())


def decide(
    draw: Draw, kind: Kind, hit_rate: float, refusal_rate: float
) -> tuple[Outcome, RefusalGround | None]:
    """The band the draw falls in; a refusal here carries a Directive (EU) 2023/977 Art. 6(1)
    ground, which ``refusal_words`` replaces outside the Directive."""
    if draw.value < hit_rate:
        return Outcome.HIT, None
    if kind not in BIOMETRIC_KINDS and draw.value < hit_rate + refusal_rate:
        return Outcome.REFUSED, draw.pick("refusal_ground", GROUNDS)
    return Outcome.NO_HIT, None


def refusal_words(draw: Draw, reasons: Sequence[str]) -> str:
    """A channel's own reason for a refusal outside the Directive (stable, like the outcome)."""
    return draw.pick("refusal_reason", reasons)
