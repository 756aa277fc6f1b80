"""The base of the failures a user can act on (a missing build, a bad flag value, a source that gave up).

The CLI prints such an error as one or two lines naming the thing and the fix, with a non-zero exit code; ``-v``
adds the traceback. Anything else is a bug and keeps its traceback.
"""


class SpacetimeError(Exception):
    """An expected failure; its message names what failed and, where there is one, the fix."""
