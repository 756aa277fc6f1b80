"""One retry policy for every source client: exponential backoff with jitter, Retry-After honoured."""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import requests
import tenacity

from spacetime.pipelines.sources.errors import SourceError, TransientError

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    backoff_base: float = 1.0  # seconds before the second attempt; doubles each time
    backoff_max: float = 60.0
    retry_after_max: float = 600.0  # never sleep longer than this on a server's word
    deadline: float | None = None  # give up once this many seconds have passed since the first attempt

    def wait(self, state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.retry_after_max)
        backoff = tenacity.wait_exponential(multiplier=self.backoff_base, max=self.backoff_max)
        return backoff(state) + tenacity.wait_random(0, self.backoff_base)(state)

    def call(self, fn: Callable[[], T], what: str) -> T:
        """Run ``fn``, retrying :class:`TransientError`; give up with a :class:`SourceError` naming ``what``."""

        def note(state: tenacity.RetryCallState) -> None:
            log.warning(
                "%s: attempt %d failed (%s); retrying in %.1fs",
                what,
                state.attempt_number,
                state.outcome.exception(),
                state.next_action.sleep if state.next_action else 0,
            )

        stop = tenacity.stop_after_attempt(self.attempts)
        if self.deadline is not None:
            stop |= tenacity.stop_after_delay(self.deadline)
        retrying = tenacity.Retrying(
            stop=stop,
            wait=self.wait,
            retry=tenacity.retry_if_exception_type(TransientError),
            before_sleep=note,
            sleep=time.sleep,
            reraise=False,
        )
        started = time.monotonic()
        try:
            return retrying(fn)
        except tenacity.RetryError as err:
            last = err.last_attempt.exception()
            attempts, seconds = err.last_attempt.attempt_number, time.monotonic() - started
            raise SourceError(
                f"{what}: gave up after {attempts} attempts in {seconds:.0f} s; last error: {last}"
            ) from last


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


# Failures of a requests call that a retry may cure: resets, timeouts, a body cut off or garbled in transit.
NETWORK_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)

# The one rule for every client: which HTTP statuses are worth retrying. Request timeout, too early, rate limited, and
# every server error but 501 Not Implemented and 505 HTTP Version Not Supported, which no retry cures (5xx codes
# outside RFC 9110, such as a CDN's 520-524, are transient too). Any other status but 200 fails at once.
RETRYABLE_STATUS = frozenset({408, 425, 429} | {code for code in range(500, 600) if code not in (501, 505)})


def raise_for_status(status: int, what: str, retry_after: str | None = None, detail: str = "") -> None:
    """Nothing for 200; :class:`TransientError` (with the server's Retry-After) for a status worth retrying;
    :class:`SourceError` for any other. ``detail``: what the answer said (a short, key-free snippet)."""
    if status == 200:
        return
    message = f"{what}: HTTP {status}" + (f": {detail}" if detail else "")
    if status in RETRYABLE_STATUS:
        raise TransientError(message, parse_retry_after(retry_after))
    raise SourceError(message)
