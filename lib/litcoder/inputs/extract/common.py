"""What the readers share: their log messages collected, and kept short."""

from __future__ import annotations

import logging
from contextlib import contextmanager


@contextmanager
def quiet(*loggers: str):
    """Collect what the readers log (pypdf warns about every fault it repairs) instead of
    printing it into the notebook."""
    caught: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            caught.append(record.getMessage())

    handler = Collect(logging.WARNING)
    saved = []
    for name in loggers:
        logger = logging.getLogger(name)
        saved.append((logger, logger.propagate))
        logger.addHandler(handler)
        logger.propagate = False
    try:
        yield caught
    finally:
        for logger, propagate in saved:
            logger.removeHandler(handler)
            logger.propagate = propagate


def short(message, limit: int = 120) -> str:
    message = " ".join(str(message).split())
    return message if len(message) <= limit else message[: limit - 1] + "…"
