"""Closed vocabularies that travel on the wire and in the API."""

from enum import StrEnum


class Kind(StrEnum):
    PERSON = "person"
    VEHICLE = "vehicle"
    DOCUMENT = "document"
    DNA = "dna"
    FINGERPRINT = "fingerprint"  # dactyloscopic data (Regulation (EU) 2024/982 Art. 4)


# The kinds compared by automated Prüm searches (Regulation (EU) 2024/982 Art. 6 and 13):
# answered hit / no hit, never sent to a PCCC or a liaison officer.
BIOMETRIC_KINDS = frozenset({Kind.DNA, Kind.FINGERPRINT})


class Channel(StrEnum):
    SIRENE = "sirene"
    EUROPOL = "europol"
    INTERPOL = "interpol"
    LIAISON_OFFICER = "liaison_officer"
    PCCC = "pccc"
    PRUM = "prum"  # automated DNA / dactyloscopic searches (Regulation (EU) 2024/982)


# The channels through which partners send the bureau requests. Not Prüm: another state's
# automated search of our DNA or fingerprint database is answered by the database itself, hit
# or no hit (Regulation (EU) 2024/982 Art. 6 and 13); the follow-up of a hit arrives by SIENA.
RECEIVING_CHANNELS = tuple(channel for channel in Channel if channel is not Channel.PRUM)


class Urgency(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


class UrgencyGround(StrEnum):
    """Directive (EU) 2023/977 Art. 4(4): the grounds that make a request urgent."""

    PUBLIC_SECURITY_THREAT = "public_security_threat"
    LIFE_OR_PHYSICAL_INTEGRITY = "life_or_physical_integrity"
    DEPRIVATION_OF_LIBERTY = "deprivation_of_liberty"
    LOSS_OF_RELEVANCE = "loss_of_relevance"


class AccessType(StrEnum):
    """On an outgoing request: whether we *expect* the requested state to hold the information
    directly accessible (Art. 5(1)(a)/(b)). It is the requested side's own fact (Art. 2(13),
    (14)); ours is an expectation that sets the deadline we record, not a statement of law."""

    DIRECT = "direct"
    INDIRECT = "indirect"


class HandlingCode(StrEnum):
    """Europol handling codes."""

    H0 = "H0"
    H1 = "H1"
    H2 = "H2"
    H3 = "H3"


class Outcome(StrEnum):
    HIT = "hit"
    NO_HIT = "no_hit"
    REFUSED = "refused"


class RefusalGround(StrEnum):
    """Directive (EU) 2023/977 Art. 6(1)(a)-(h): the closed list of refusal grounds."""

    A = "a"
    B = "b"
    C = "c"
    D = "d"
    E = "e"
    F = "f"
    G = "g"
    H = "h"


class DispatchStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    ANSWERED = "answered"
    FAILED = "failed"
    CANCELLED = "cancelled"


# Handed to the channel and not answered yet: the dispatches the channel overview counts as in
# flight, the statistics as pending and the relay's start-up recovery publishes again.
IN_FLIGHT_STATUSES = (DispatchStatus.SENT, DispatchStatus.DELIVERED)


class RequestStatus(StrEnum):
    QUEUED = "queued"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    FAILED = "failed"
    CANCELLED = "cancelled"


class InboundStatus(StrEnum):
    """A request received from a partner, as the bureau works it (issue 13's state machine).

    ``received`` → ``assigned`` → ``answered`` | ``refused``; ``awaiting_clarification`` while
    the partner is asked to clarify (Directive (EU) 2023/977 Art. 6(3): the time limits are
    suspended meanwhile), back to ``assigned`` when the partner answers.
    """

    RECEIVED = "received"
    ASSIGNED = "assigned"
    AWAITING_CLARIFICATION = "awaiting_clarification"
    ANSWERED = "answered"
    REFUSED = "refused"


class ReplyType(StrEnum):
    """What the bureau sends back to the partner about a request it received."""

    ANSWER = "answer"
    REFUSAL = "refusal"
    CLARIFICATION_REQUEST = "clarification_request"
    DELAY_NOTICE = "delay_notice"


class ReplyStatus(StrEnum):
    """Delivery of one reply to the partner, tracked like a dispatch's."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"


class MessageType(StrEnum):
    """One message of a conversation about an exchange (issue 15), in either direction.

    Directive (EU) 2023/977 Art. 16(1)(a): the case management system records the requests
    "and any other communications relating to such requests"; these are those communications.
    """

    FOLLOW_UP = "follow_up"  # a further question once the first answer is in
    ADDITIONAL_INFORMATION = "additional_information"
    CLARIFICATION = "clarification"  # a question about what the other side sent
    ACKNOWLEDGEMENT = "acknowledgement"
    ANSWER = "answer"  # the answer to a follow-up or clarification question
    REMINDER = "reminder"  # the answer to the request is overdue
    SPONTANEOUS = "spontaneous"  # information without a prior request (Directive Art. 7)


# The messages that wait for an answer message: the thread shows them pending until it comes.
QUESTION_MESSAGE_TYPES = frozenset({MessageType.FOLLOW_UP, MessageType.CLARIFICATION})


class MessageDirection(StrEnum):
    OUTGOING = "outgoing"  # the bureau to a partner
    INCOMING = "incoming"  # a partner to the bureau


class MessageStatus(StrEnum):
    """An outgoing message's delivery (tracked like a reply's); an incoming one is received."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    RECEIVED = "received"
