"""llm-spacetime: the entity datasets of "Language Models Represent Space and Time" and a probing benchmark."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("llm-spacetime")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
