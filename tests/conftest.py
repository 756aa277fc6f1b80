"""Fixtures the builder tests share. A test module declares its data; these fixtures serve it.

- ``FIXTURE``: the Turtle or N-Triples file the module's Oxigraph serves (the ``oxigraph`` fixture).
- ``VIEWS`` (title -> views per month), ``WINDOW`` and optionally ``OTHER_PROJECT_LINES``: the monthly
  pageview_complete dumps of the ``dumps`` fixture (each title's views split over two access types).

``sample_release``: all six datasets built from the bundled sample and packaged, once per session (read-only: a test
that changes files copies them first).

Markers (pyproject.toml): ``server`` for tests that start a local server (Oxigraph, a Hub, SODA, NYT or pageview
server, a fault proxy), set here for every test that uses a server fixture and by ``pytestmark`` in modules that start
their own; ``browser`` for the headless-Chromium test; ``virtuoso`` for Debian's Virtuoso. ``pytest -m "not server and
not browser"`` runs the rest in seconds.
"""

from __future__ import annotations

import bz2
from pathlib import Path

import pytest

from spacetime.pipelines.servers import OxigraphServer
from spacetime.pipelines.sources import SourceOptions, open_sources
from spacetime.pipelines.sources.pageviews import PageviewWindow, dump_name

SERVER_FIXTURES = {"sample_release", "oxigraph", "hub", "server"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.server)


def write_pageview_dumps(
    folder: Path, window: PageviewWindow, views: dict[str, int], other_lines: tuple[str, ...] = ()
) -> Path:
    """One bzip2 dump per month of ``window``, in the pageview_complete line format."""
    folder.mkdir(parents=True, exist_ok=True)
    for year, month in window.month_list():
        lines = list(other_lines)
        for i, (title, n) in enumerate(sorted(views.items())):
            lines.append(f"en.wikipedia {title} {i + 1} desktop {n // 2} A1\n")
            lines.append(f"en.wikipedia {title} null mobile-web {n - n // 2} B2\n")
        (folder / dump_name(year, month)).write_bytes(bz2.compress("".join(lines).encode("utf-8")))
    return folder


def build_from_sample(build, tmp_path: Path) -> Path:
    """Run a builder on the bundled sample (served as in `spacetime build --sample`), without progress bars."""
    with open_sources(SourceOptions(sample=True, cache_dir=tmp_path / "cache")) as sources:
        sources.sparql.progress = False
        sources.pageviews.progress = False
        return build(sources, tmp_path / "out")


@pytest.fixture(scope="session")
def sample_release(tmp_path_factory) -> Path:
    """The demo's first stages: ``<root>/build/<config>`` and the release folder ``<root>/release``."""
    from click.testing import CliRunner

    from spacetime.cli import main
    from spacetime.dist.package import package

    root = tmp_path_factory.mktemp("out")
    result = CliRunner().invoke(main, ["build", "--all", "--sample", "--out", str(root)])
    assert result.exit_code == 0, result.output
    package(root / "build", root / "release")
    return root


@pytest.fixture(scope="module")
def oxigraph(request, tmp_path_factory):
    with OxigraphServer([request.module.FIXTURE], store_root=tmp_path_factory.mktemp("store")) as server:
        yield server


@pytest.fixture(scope="module")
def dumps(request, tmp_path_factory) -> Path:
    module = request.module
    return write_pageview_dumps(
        tmp_path_factory.mktemp("dumps"), module.WINDOW, module.VIEWS, getattr(module, "OTHER_PROJECT_LINES", ())
    )
