"""Progress of long commands (stats, replay, purge, bench) on stderr, stdout staying clean.

On a terminal one line is rewritten in place; elsewhere (logs, CI) a line is printed at most
every ``interval`` seconds and at the end, so that a long run does not flood its log.
"""

import sys
import time
from typing import TextIO


class Progress:
    def __init__(
        self,
        label: str,
        total: int | None = None,
        *,
        stream: TextIO | None = None,
        interval: float = 1.0,
    ) -> None:
        self.label = label
        self.total = total
        self.done_count = 0
        self._stream = stream or sys.stderr
        self._tty = self._stream.isatty()
        self._interval = interval if not self._tty else 0.1
        self._started = time.monotonic()
        self._shown_at = float("-inf")

    def advance(self, count: int = 1, note: str = "") -> None:
        self.done_count += count
        now = time.monotonic()
        if now - self._shown_at >= self._interval:
            self._show(note, final=False)
            self._shown_at = now

    def finish(self, note: str = "done") -> None:
        self._show(note, final=True)

    def _show(self, note: str, *, final: bool) -> None:
        elapsed = time.monotonic() - self._started
        count = f"{self.done_count}/{self.total}" if self.total else str(self.done_count)
        text = f"{self.label}: {count} {note} ({elapsed:.1f} s)".replace("  ", " ")
        if self._tty:
            self._stream.write("\r\033[K" + text + ("\n" if final else ""))
        else:
            self._stream.write(text + "\n")
        self._stream.flush()
