"""gankit's log lines go through the standard `logging` module under the "gankit" logger;
the CLI shows INFO lines on stdout, from rank 0 only under torchrun."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator


def get_logger(name: str) -> logging.Logger:
    return logging.getLogger(f"gankit.{name}")


class _Stdout(logging.StreamHandler):
    """A handler on whatever sys.stdout is when a line is written (tests swap it)."""

    @property
    def stream(self):  # noqa: ANN201
        return sys.stdout

    @stream.setter
    def stream(self, _value) -> None:
        pass


class _MainRankOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return os.environ.get("RANK", "0") == "0"


def setup_cli_logging(level: int = logging.INFO) -> None:
    """Print gankit's INFO lines (messages only) on stdout, once, from rank 0 only."""
    root = logging.getLogger("gankit")
    if any(getattr(h, "gankit_cli", False) for h in root.handlers):
        return
    handler = _Stdout()
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(_MainRankOnly())
    handler.gankit_cli = True
    root.addHandler(handler)
    root.setLevel(level)


@contextlib.contextmanager
def quiet(name: str, level: int = logging.WARNING) -> Iterator[None]:
    """Inside, the logger `gankit.NAME` shows only `level` and above."""
    logger = logging.getLogger(f"gankit.{name}")
    before = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(before)
