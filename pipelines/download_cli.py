"""``spacetime download``: the inputs of a full refresh (pipelines/sources/download.py does the work)."""

from __future__ import annotations

from pathlib import Path

import click

from spacetime import options as opt
from spacetime.layout import Layout

PARTS = ("dbpedia", "pageviews")


@click.command("download")
@opt.out_option(
    "Output root: the files go to OUT/downloads/, in the servers' layout (give that folder to build's "
    "--dbpedia-dump and --pageviews-dump)."
)
@click.option("--only", type=click.Choice(PARTS), default=None, help="Fetch only the DBpedia release or the dumps.")
@click.option("--databus-url", default=None, help="Databus base URL [default: https://databus.dbpedia.org].")
@click.option("--dumps-url", default=None, help="Wikimedia dumps base URL [default: https://dumps.wikimedia.org].")
@opt.window_options()
@click.option(
    "--workers", type=click.IntRange(min=1, max=4), default=2, show_default=True, help="Files fetched at once."
)
@opt.contact_option()
@opt.progress_option()
def download_command(out: Path, only, databus_url, dumps_url, window_start, window_months, workers, contact, progress):
    """Download the pinned DBpedia release (Databus) and the pageview window's monthly dumps into OUT/downloads/,
    resumably, each file checked against its published size and checksum; a rerun fetches only what is missing."""
    from spacetime.pipelines.sources import download as dl

    dest = Layout(out).downloads
    report = dl.download(
        dest,
        dbpedia=only in (None, "dbpedia"),
        pageviews=only in (None, "pageviews"),
        databus_url=databus_url or dl.DATABUS_URL,
        dumps_url=dumps_url or dl.DUMPS_URL,
        window=opt.chosen_window(window_start, window_months),
        workers=workers,
        progress=progress,
        contact=contact,
    )
    click.echo(
        f"{len(report.fetched)} files fetched ({report.bytes_transferred:,} bytes), "
        f"{len(report.kept)} already there and verified -> {dest}"
    )
