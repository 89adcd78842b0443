"""Turn SIGINT/SIGTERM into a request to stop at the next step boundary."""

from __future__ import annotations

import signal
import threading


class StopRequests:
    """Context manager: the first SIGINT/SIGTERM sets `requested`; a second SIGINT raises
    KeyboardInterrupt as usual. Only active in the main thread."""

    def __init__(self) -> None:
        self.requested: str | None = None
        self._previous: dict[int, object] = {}

    def _handle(self, signum: int, frame: object) -> None:
        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.requested = signal.Signals(signum).name

    def __enter__(self) -> StopRequests:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
