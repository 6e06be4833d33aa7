"""Loading a shared resource once per process, however many threads ask for it together.

``functools.lru_cache`` remembers a result but does not stop two threads from computing it
at the same time: two questions asked together (or a question and the warm-up,
:func:`retrieval.answer.warm_up.warm_up`) would each read the English word list or load a
model. :func:`once` makes the others wait for the first.

Guarantees: for each distinct argument tuple the function runs to completion at most once
(a call that raises stores nothing, so the next call tries again); after that a call is a
dictionary look-up, with no lock taken (hot paths such as word analysis call these).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

R = TypeVar("R")


class Once(Generic[R]):
    """``function`` with its results remembered per argument tuple (see the module's guarantees)."""

    def __init__(self, function: Callable[..., R]) -> None:
        self.__wrapped__ = function
        functools.update_wrapper(self, function)
        self._results: dict[tuple[Hashable, ...], R] = {}
        self._lock = threading.Lock()

    def __call__(self, *args: Hashable) -> R:
        try:
            return self._results[args]
        except KeyError:
            pass
        with self._lock:
            if args not in self._results:
                self._results[args] = self.__wrapped__(*args)
            return self._results[args]

    def loaded(self, *args: Hashable) -> bool:
        """Whether the result for ``args`` is already made."""
        return args in self._results

    def cache_clear(self) -> None:
        """Forget every result (tests: load again as a fresh process would)."""
        with self._lock:
            self._results.clear()


def once(function: Callable[..., R]) -> Once[R]:
    """Decorator: see :class:`Once`."""
    return Once(function)
