"""The command line's shared vocabulary: every option that more than one command takes is declared here, once.

=====================  =========================================================================================
``--out OUT``          the output root (default ``out``); a command finds its inputs and writes its outputs in the
                       layout of spacetime/layout.py. (``leaderboard RESULTS --out SITE`` is the one exception.)
``DATASETS...``        datasets are positional everywhere: ``build``/``package``/``validate``/``submit`` take
                       several (``build`` needs names or ``--all``; the others default to all), ``activations``
                       one. An unknown name is refused, naming the known ones.
``--progress/         progress bars (log lines without a terminal) of long work; on by default.
--no-progress``
``--data``             the dataset read: a release folder, a Hub dataset repo or a Parquet file [default under OUT]
``--data-revision``    the dataset's Hub revision (tag or commit)
``--model-revision``   the model's Hub revision (branch, tag or commit)
``--endpoint``         the Hub endpoint [env: HF_ENDPOINT]
``--seed``             the seed of whatever the command draws at random
``--device``           auto | cpu | cuda
``--layers``           all | 0,4,8 | 0:32:2 | -1 or a mix, checked at parse time (:class:`LayersSpec`); the range
                       against the model's depth once it is known
``--model``            a model to load (a Hub id, a folder or ``smollm2``); ``evaluate --only-model`` filters requests
``--cache-dir``        the build's response caches; the converted model folder is ``--model-cache-dir``
``--contact``          the contact (e-mail or URL) in the User-Agent (``build``, ``download``; env SPACETIME_CONTACT)
``--window-start``,    the pageview window (``build``, ``download``): first month YYYY-MM and length in months,
``--window-months``    the default window (2021-01, 36 months) where not given
=====================  =========================================================================================

Nothing heavy is imported here (``spacetime --help`` stays fast).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from spacetime.layout import DEFAULT_OUT
from spacetime.pipelines.registry import DATASETS

LAYERS_HELP = "all | 0,4,8 | 0:32:2 | -1 (combinable: 0,10:20,-1); a layer past the model's depth is refused."
DEVICES = ("auto", "cpu", "cuda")

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


class LayersSpec(click.ParamType):
    """The ``--layers`` syntax, checked when the command line is parsed (the range needs the model's depth, later)."""

    name = "LAYERS"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from spacetime.probing.extraction.layers import check_layers_spec  # pure Python, no torch

        spec = str(value).strip()
        try:
            check_layers_spec(spec)
        except ValueError as error:
            self.fail(str(error).removeprefix(f"--layers {spec!r}: "), param, ctx)
        return spec


class NumberList(click.ParamType):
    """Comma-separated numbers (``2,4,8``), each converted by ``kind`` and at least ``min`` (or above it)."""

    def __init__(self, kind: type = int, *, min: float | None = None, min_open: bool = False) -> None:
        self.kind, self.min, self.min_open = kind, min, min_open
        self.name = "INTS" if kind is int else "NUMBERS"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> list:
        if isinstance(value, list):
            return value
        noun = "integers" if self.kind is int else "numbers"
        try:
            values = [self.kind(part) for part in str(value).split(",") if part.strip()]
        except ValueError:
            self.fail(f"expected comma-separated {noun}, got {value!r}", param, ctx)
        if not values:
            self.fail(f"expected comma-separated {noun}, got {value!r}", param, ctx)
        if self.min is not None:
            low = [v for v in values if v < self.min or (self.min_open and v == self.min)]
            if low:
                bound = f"> {self.min}" if self.min_open else f">= {self.min}"
                self.fail(f"every value must be {bound}, got {', '.join(map(str, low))}", param, ctx)
        return values


def out_option(help: str) -> Decorator:
    """``--out OUT``: the output root, ``out`` by default; ``help`` says what the command reads and writes there."""
    return click.option(
        "--out",
        type=click.Path(file_okay=False, path_type=Path),
        default=DEFAULT_OUT,
        show_default=True,
        help=help,
    )


def datasets_argument(*, all_flag: bool = False) -> Decorator:
    """``DATASETS...``: any number of known datasets; with ``all_flag`` also ``--all`` (the function gets ``all_``).

    Without ``all_flag`` naming none means every dataset (the command decides what that is: its input's)."""
    argument = click.argument("datasets", nargs=-1, type=click.Choice(DATASETS), metavar="[DATASETS]...")
    if not all_flag:
        return argument
    flag = click.option("--all", "all_", is_flag=True, help="Every dataset: " + ", ".join(DATASETS) + ".")

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        return argument(flag(function))

    return decorate


def chosen_datasets(datasets: tuple[str, ...], all_: bool) -> list[str]:
    """The datasets of ``DATASETS... | --all``: the names given, or all of them; a usage error for neither or both."""
    if all_ and datasets:
        raise click.UsageError("name datasets or pass --all, not both")
    if not all_ and not datasets:
        raise click.UsageError("name a dataset or pass --all (known: " + ", ".join(DATASETS) + ")")
    return list(DATASETS) if all_ else list(datasets)


def dataset_argument() -> Decorator:
    """``DATASET``: exactly one known dataset."""
    return click.argument("dataset", type=click.Choice(DATASETS), metavar="DATASET")


def contact_option() -> Decorator:
    """``--contact`` (env SPACETIME_CONTACT): an e-mail or URL put in the User-Agent the live services and the
    download servers see, as Wikimedia asks of its clients."""
    return click.option(
        "--contact",
        envvar="SPACETIME_CONTACT",
        default=None,
        help="Contact (e-mail or URL) for the User-Agent sent to the live services [env: SPACETIME_CONTACT].",
    )


def progress_option() -> Decorator:
    """``--progress/--no-progress``: progress bars of long work (plain log lines without a terminal)."""
    return click.option(
        "--progress/--no-progress",
        default=True,
        show_default=True,
        help="Progress bars (log lines every 15 s without a terminal).",
    )


def window_options() -> Decorator:
    """``--window-start`` and ``--window-months``: the pageview window (the function gets ``window_start`` and
    ``window_months``, None when not given: the default window, pipelines/sources/pageviews.py's DEFAULT_WINDOW)."""
    decorators = [
        click.option(
            "--window-start", default=None, help="First month of the pageview window, YYYY-MM [default: 2021-01]."
        ),
        click.option(
            "--window-months",
            type=click.IntRange(min=1),
            default=None,
            help="Length of the pageview window [default: 36].",
        ),
    ]

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return decorate


def chosen_window(window_start: str | None, window_months: int | None):
    """The PageviewWindow of ``--window-start``/``--window-months``: the default window's start or length where one
    is not given."""
    from spacetime.pipelines.sources.pageviews import DEFAULT_WINDOW, PageviewWindow

    return PageviewWindow(window_start or DEFAULT_WINDOW.start, window_months or DEFAULT_WINDOW.months)


def data_option(help: str, *, required: bool = False) -> Decorator:
    """``--data``: the dataset read (a release folder, a Hub dataset repo id, ...); ``help`` names the default."""
    return click.option("--data", "data", default=None, required=required, help=help)


def data_revision_option() -> Decorator:
    return click.option(
        "--data-revision", default=None, help="Hub revision (tag or commit) of the dataset repo given as --data."
    )


def model_revision_option(help: str = "Hub revision (branch, tag or commit) of --model.") -> Decorator:
    return click.option("--model-revision", default=None, help=help)


def endpoint_option() -> Decorator:
    return click.option(
        "--endpoint",
        envvar="HF_ENDPOINT",
        default=None,
        help="Hub-compatible server [env: HF_ENDPOINT; default: https://huggingface.co].",
    )


def seed_option(help: str) -> Decorator:
    return click.option("--seed", type=int, default=0, show_default=True, help=help)


def device_option() -> Decorator:
    return click.option(
        "--device",
        type=click.Choice(DEVICES),
        default="auto",
        show_default=True,
        help="auto: a GPU when one is visible, else the CPU.",
    )


def layers_option(default: str | None, help: str = LAYERS_HELP) -> Decorator:
    return click.option("--layers", type=LayersSpec(), default=default, show_default=default is not None, help=help)


def publish_options() -> Decorator:
    """``--repo-id``, ``--yes`` (a dry run without it), ``--private`` and ``--endpoint``: what every publishing command
    takes. The token comes from ``HF_TOKEN`` only, never from an option."""
    decorators = [
        click.option("--repo-id", required=True, help="Target dataset repo, ORG/NAME."),
        click.option("--yes", is_flag=True, help="Really publish (the default is a dry run that contacts nothing)."),
        click.option(
            "--private", is_flag=True, help="Create the repo private (an existing repo keeps its visibility)."
        ),
        endpoint_option(),
    ]

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return decorate
