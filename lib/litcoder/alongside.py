"""Work done alongside the rest, in a second process, where the machine has a second core:
the build writes the outputs about the sources while it measures agreement and draws the
figures, and a large review's coder files are read two at a time.

The second process is a fork of the first: it has everything the first has made so far,
and reads nothing again. What it returns is sent back pickled (files it writes are its
own). Where there is no fork (Windows; macOS, where a fork is not safe with the system's
frameworks) or one core, the work is done in place, with the same result.

Here too are the two ways the build keeps Python's cycle collector from walking a loaded
review again and again: paused while it is read, and its objects left out once read.
"""

from __future__ import annotations

import gc
import os
import pickle
import sys
import traceback
from collections.abc import Callable
from contextlib import contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")


@contextmanager
def no_collection():
    """Python's cycle collector paused: reading a large review or bibliography makes millions
    of objects (rows, cells, fields), few of them in cycles, and each collection would walk all
    of them again (a fifth of the reading)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


@contextmanager
def long_lived():
    """The objects made so far left out of Python's cycle collections until the end: a
    loaded review is millions of them, which each full collection would walk again, to
    free none (a build makes several). Nested, the outermost ends it."""
    outermost = gc.get_freeze_count() == 0
    gc.freeze()
    try:
        yield
    finally:
        if outermost:
            gc.unfreeze()


def can_fork() -> bool:
    """Whether work can go to a second process: Linux, with two cores or more to run on."""
    return sys.platform == "linux" and len(os.sched_getaffinity(0)) > 1


class Alongside(Generic[T]):
    """`work()`, started now in a second process where `can_fork`, else done now; `result()`
    gives what it returned, or raises what it raised. Use it as a context manager, so that a
    build that fails does not leave the second process waiting."""

    def __init__(self, work: Callable[[], T]):
        self._pid = self._pipe = None
        self._done: tuple[bool, object] | None = None
        if not can_fork():
            self._done = _outcome(work)
            return
        read, write = os.pipe()
        with long_lived():  # the second process's collections then leave the objects the two share untouched
            try:
                pid = os.fork()
            except OSError:  # no memory or process left for it: done here instead
                pid = None
            if pid == 0:  # the second process: never returns
                os.close(read)
                _child(work, write)
        if pid is None:
            os.close(read), os.close(write)
            self._done = _outcome(work)
            return
        os.close(write)
        self._pid, self._pipe = pid, os.fdopen(read, "rb")

    def result(self) -> T:
        if self._done is None:
            try:
                data = self._pipe.read()
            finally:
                self._close()
            self._done = pickle.loads(data) if data else (False, RuntimeError(
                "the build's second process stopped without a word (out of memory?); build again"))
        ok, value = self._done
        if not ok:
            raise value
        return value

    def _close(self) -> None:
        if self._pipe is not None:
            self._pipe.close()
            os.waitpid(self._pid, 0)
            self._pipe = None

    def __enter__(self) -> Alongside[T]:
        return self

    def __exit__(self, *exc) -> None:
        self._close()  # the second process, if still writing its answer, stops on the closed pipe


def _outcome(work: Callable[[], T]) -> tuple[bool, object]:
    try:
        return True, work()
    except Exception as error:
        return False, error


def _pickled(outcome: tuple[bool, object]) -> bytes | None:
    try:
        data = pickle.dumps(outcome)
        if not outcome[0]:
            pickle.loads(data)  # an error of a kind pickle cannot rebuild fails here, not in the build
        return data
    except Exception:
        return None


def _text(ok: bool, value: object) -> str:
    if ok:
        return f"the build's second process made a {type(value).__name__}, which cannot be sent back"
    return "".join(traceback.format_exception(value))


def _child(work: Callable[[], object], write: int) -> None:
    code = 0
    try:
        outcome = _outcome(work)
        data = _pickled(outcome) or pickle.dumps((False, RuntimeError(_text(*outcome))))
        with os.fdopen(write, "wb") as pipe:
            pipe.write(data)
    except BaseException:  # the build gave up (its end of the pipe is closed), or Ctrl-C
        code = 1
    finally:
        os._exit(code)  # no atexit, no flushing of the build's buffers a second time
