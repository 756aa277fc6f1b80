"""The User-Agent every client sends: Wikimedia and DBpedia ask for a descriptive one with a contact."""

from __future__ import annotations

import logging
import os

from spacetime import __version__

log = logging.getLogger(__name__)
PROJECT_URL = "https://github.com/llm-spacetime/llm-spacetime"
_warned = False


def user_agent(contact: str | None = None) -> str:
    """``llm-spacetime/<version> (<contact>)``; the contact comes from the argument or ``SPACETIME_CONTACT``."""
    global _warned
    contact = contact or os.environ.get("SPACETIME_CONTACT")
    if not contact:
        if not _warned:
            log.warning(
                "no contact for the User-Agent: set SPACETIME_CONTACT (an e-mail or URL) when using live services"
            )
            _warned = True
        contact = PROJECT_URL
    return f"llm-spacetime/{__version__} ({contact})"
