"""The sample's pageviews: SYNTHETIC monthly counts for every part's titles, written in the ``pageview_complete``
dump format (multi-stream bzip2), one file per month of the window."""

from __future__ import annotations

import bz2
import calendar
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tools.sample.common import BZ2_LINES_PER_STREAM, PAGEVIEW_DIR, SEED, WINDOW_MONTHS, WINDOW_START, SamplePart

# --------------------------------------------------------------------------------------------------------- pageviews


def window_months() -> list[tuple[int, int]]:
    year, month = WINDOW_START
    months = []
    for _ in range(WINDOW_MONTHS):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def day_code(day: int) -> str:
    return chr(ord("A") + day - 1)


def counts_field(total: int, ndays: int, rng: random.Random) -> str:
    """The dump's letter-coded counts (letter = day of month: A = 1st, then [ \\ ] ^ _ for the 27th to 31st).

    Abbreviated to keep the sample small: a line of up to three views lists one day per view; a larger total is
    written as one group on one seeded day. The builder reads the monthly total, not this field.
    """
    if total <= 3:
        return "".join(f"{day_code(d)}1" for d in sorted(rng.sample(range(1, ndays + 1), total)))
    return f"{day_code(rng.randint(1, ndays))}{total}"


@dataclass(frozen=True)
class TitleProfile:
    title: str
    page_id: int
    desktop_share: float
    app_share: float
    monthly: tuple[float, ...]  # views per month, summing to the window total
    dewiki: bool
    wiktionary: bool


def title_profile(title: str, views: float, months: int) -> TitleProfile:
    rng = random.Random(f"{SEED}:profile:{title}")
    phase = rng.uniform(0, 2 * math.pi)
    weights = [max(0.2, 1 + 0.15 * math.sin(2 * math.pi * m / 12 + phase) + rng.gauss(0, 0.12)) for m in range(months)]
    total = sum(weights)
    return TitleProfile(
        title=title,
        page_id=rng.randint(1_000, 3_000_000),  # articles on places are mostly old: low ids
        desktop_share=rng.uniform(0.3, 0.5),
        app_share=0.06 if rng.random() < 0.08 else 0.0,
        monthly=tuple(views * w / total for w in weights),
        dewiki=rng.random() < 0.04,
        wiktionary=rng.random() < 0.01,
    )


def month_lines(profiles: Sequence[TitleProfile], index: int, year: int, month: int) -> list[str]:
    ndays = calendar.monthrange(year, month)[1]
    rng = random.Random(f"{SEED}:month:{year}-{month:02d}")
    lines = []

    def emit(wiki: str, title: str, page_id: str, access: str, views: int) -> None:
        if views > 0:
            lines.append(f"{wiki} {title} {page_id} {access} {views} {counts_field(views, ndays, rng)}")

    for p in profiles:
        views = p.monthly[index]
        desktop = round(views * p.desktop_share)
        app = round(views * p.app_share)
        emit("en.wikipedia", p.title, str(p.page_id), "desktop", desktop)
        emit("en.wikipedia", p.title, str(p.page_id), "mobile-web", max(0, round(views) - desktop - app))
        emit("en.wikipedia", p.title, str(p.page_id), "mobile-app", app)
        if rng.random() < 0.01:  # the dumps also hold rows whose page id was not resolved
            emit("en.wikipedia", p.title, "null", "desktop", rng.randint(1, 5))
        if p.dewiki:
            emit("de.wikipedia", p.title, str(p.page_id // 7 + 11), "desktop", round(views * 0.2))
        if p.wiktionary:
            emit("en.wiktionary", p.title, "null", "mobile-web", 1 + round(views * 0.01))
    emit("en.wikipedia", "Main_Page", "15580374", "desktop", 150_000_000 + rng.randint(0, 9_999_999))
    emit("en.wikipedia", "Special:Search", "null", "desktop", 20_000_000 + rng.randint(0, 999_999))
    return sorted(lines, key=lambda line: line.encode("utf-8"))


def multistream_bz2(lines: list[str]) -> bytes:
    """Several concatenated bzip2 streams, as the monthly dumps are written."""
    chunks = [lines[i : i + BZ2_LINES_PER_STREAM] for i in range(0, len(lines), BZ2_LINES_PER_STREAM)] or [[]]
    return b"".join(bz2.compress(("\n".join(c) + "\n").encode("utf-8") if c else b"", 9) for c in chunks)


def en_views(lines: Iterable[str]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for line in lines:
        wiki, title, _, _, views, _ = line.split(" ")
        if wiki == "en.wikipedia":
            totals[title] = totals.get(title, 0) + int(views)
    return totals


def pageview_files(views: dict[str, float]) -> tuple[dict[str, bytes], dict[str, int], int]:
    """The window's monthly dumps for these titles, the en.wikipedia totals they hold, and their line count."""
    profiles = sorted(
        (title_profile(title, v, WINDOW_MONTHS) for title, v in views.items() if v > 0), key=lambda p: p.title
    )
    files: dict[str, bytes] = {}
    totals: dict[str, int] = {}
    pageview_lines = 0
    for index, (year, month) in enumerate(window_months()):
        lines = month_lines(profiles, index, year, month)
        pageview_lines += len(lines)
        for title, n in en_views(lines).items():
            totals[title] = totals.get(title, 0) + n
        files[f"{PAGEVIEW_DIR}/pageviews-{year}{month:02d}-user.bz2"] = multistream_bz2(lines)
    return files, totals, pageview_lines


def merged_views(parts: Sequence[SamplePart]) -> dict[str, float]:
    """Titles of all parts; a title in several parts (one page in two datasets) keeps its largest view total."""
    views: dict[str, float] = {}
    for part in parts:
        for title, v in part.views.items():
            views[title] = max(v, views.get(title, 0.0))
    return views
