"""Errors raised by the source clients. Each names the source and the query, title or record at fault."""

from spacetime.errors import SpacetimeError


class SourceError(SpacetimeError, RuntimeError):
    """A source failed in a way that retrying will not fix, or retries ran out."""


class TransientError(SourceError):
    """A failure worth retrying (429, 5xx, reset, timeout, truncated body).

    ``retry_after`` carries the server's Retry-After in seconds when it sent one.
    """

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class TruncatedResult(SourceError):
    """The server returned fewer rows than it holds (row cap or timeout) and we could not re-slice around it."""
