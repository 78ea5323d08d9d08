"""Jepsen-style accounting of request timelines: lost, duplicated and unexpected transitions.

Each dispatch's ``dispatch_status`` events must form one chain from ``queued`` to a terminal
status: every event starts where the previous one ended, moves strictly forward in the state
machine (forward jumps are legal: a worker may report ``delivered`` before the relay recorded
``sent``), and reaches exactly one terminal status.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

RANK = {"queued": 0, "sent": 1, "delivered": 2, "answered": 3, "failed": 3, "cancelled": 3}
TERMINAL = {"answered", "failed", "cancelled"}


@dataclass
class Ledger:
    requests: int = 0
    lost: list[str] = field(default_factory=list)  # never reached a terminal status
    duplicated: list[str] = field(default_factory=list)  # a status applied twice
    unexpected: list[str] = field(default_factory=list)  # a transition the machine forbids

    def record(self, request: dict[str, Any]) -> None:
        """Account for one request as ``GET /v1/requests/{id}`` returns it (with events)."""
        self.requests += 1
        if request["status"] not in TERMINAL:
            self.lost.append(f"{request['id']} is still {request['status']}")
        chains: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for event in request["events"]:
            if event["type"] == "dispatch_status":
                chains[event["dispatch_id"]].append(event)
            elif event["type"] == "result_ignored":  # a result that contradicted a final state
                self.unexpected.append(f"{request['id']}: result ignored: {event['detail']}")
        for dispatch in request["dispatches"]:
            self._check_chain(request["id"], dispatch, chains.get(dispatch["id"], []))

    def _check_chain(
        self, request_id: str, dispatch: dict[str, Any], events: list[dict[str, Any]]
    ) -> None:
        where = f"{request_id}/{dispatch['id']}"
        targets = [event["to_status"] for event in events]
        if len(targets) != len(set(targets)):
            self.duplicated.append(f"{where}: {targets}")
        previous = "queued"
        for event in events:
            start, end = event["from_status"], event["to_status"]
            if start != previous or RANK[end] <= RANK[start]:
                self.unexpected.append(f"{where}: {start} -> {end} after {previous}")
            previous = end
        if previous not in TERMINAL or previous != dispatch["status"]:
            self.lost.append(f"{where}: chain ends at {previous}, dispatch is {dispatch['status']}")

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicated or self.unexpected)

    def summary(self) -> str:
        return (
            f"{self.requests} requests: {len(self.lost)} lost, {len(self.duplicated)} duplicated,"
            f" {len(self.unexpected)} unexpected; first: "
            f"{(self.lost + self.duplicated + self.unexpected)[:5]}"
        )
