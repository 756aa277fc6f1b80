"""Expected failures end in one or two lines naming the thing and the fix, with a non-zero exit code."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from spacetime.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_package_before_a_build_is_one_line_naming_the_fix(tmp_path):
    result = run("package", "--out", str(tmp_path))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) <= 2 and "no build at" in lines[0] and "spacetime build world_places" in lines[0]


def test_verbose_adds_the_traceback(tmp_path):
    result = run("-v", "package", "--out", str(tmp_path))
    assert result.exit_code != 0 and isinstance(result.exception, FileNotFoundError)


def test_bad_window_start_is_one_line(tmp_path):
    result = run("build", "world_places", "--sample", "--window-start", "2021-13", "--out", str(tmp_path))
    assert result.exit_code == 1
    assert "window start must be 'YYYY-MM', got '2021-13'" in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize(
    "flag, value",
    [
        ("--sparql-endpoint", "http://127.0.0.1:9/sparql"),
        ("--pageviews-url", "http://127.0.0.1:9"),
        ("--soda-url", "http://127.0.0.1:9"),
        ("--nyt-url", "http://127.0.0.1:9"),
    ],
)
def test_sample_refuses_live_source_flags_instead_of_ignoring_them(tmp_path, flag, value):
    result = run("build", "world_places", "--sample", flag, value, "--out", str(tmp_path))
    assert result.exit_code == 2 and f"cannot be combined with {flag}" in result.stderr


def test_zero_window_months_is_refused_not_replaced_by_the_default(tmp_path):
    result = run("build", "world_places", "--sample", "--window-months", "0", "--out", str(tmp_path))
    assert result.exit_code == 2 and "--window-months" in result.stderr


def _children(pid: int, command_word: str) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and command_word.encode() in (stat.parent / "cmdline").read_bytes():
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the child server")
@pytest.mark.server
def test_sigterm_during_a_build_stops_the_local_sparql_server(tmp_path):
    code = "import sys; from spacetime.cli import main; sys.exit(main())"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "build", "world_places", "--sample", "--out", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        servers: list[int] = []
        while time.monotonic() < deadline and proc.poll() is None and not servers:
            servers = _children(proc.pid, "serve-read-only")
            time.sleep(0.1)
        assert servers, "the build never started its Oxigraph server"
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        assert proc.returncode != 0
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_alive(pid) for pid in servers):
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in servers), "the Oxigraph server outlived its build"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("typo", ["smollm", "SmolLM", "smolm2", "smollm3"])
def test_a_typo_of_the_embedded_model_is_named_at_once_without_a_network_wait(tmp_path, typo):
    from spacetime.errors import SpacetimeError
    from spacetime.probing.extraction.models import load_model

    with pytest.raises(SpacetimeError, match=f"unknown model '{typo}': did you mean the embedded 'smollm2'"):
        load_model(typo)


@pytest.mark.server
def test_a_truncated_rdf_file_fails_with_oxigraphs_own_message(tmp_path):
    from spacetime.errors import SpacetimeError
    from spacetime.pipelines.servers import OxigraphServer

    bad = tmp_path / "cut.nt"
    bad.write_text('<http://dbpedia.org/resource/Paris> <http://www.w3.org/2000/01/rdf-schema#label> "Par')
    with pytest.raises(
        SpacetimeError, match=r"could not load the RDF files \(cut\.nt\): Error .*cut\.nt.*line 1"
    ) as err:
        OxigraphServer([bad], store_root=tmp_path / "store").load()
    assert "CalledProcessError" not in str(err.value)
    assert not any((tmp_path / "store").glob("*/.loaded"))


def test_an_endpoint_that_never_answers_fails_by_the_timeout_and_deadline_with_logged_retries(tmp_path, caplog):
    import socket

    with socket.socket() as silent:  # accepts connections (the kernel's backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        endpoint = f"http://127.0.0.1:{silent.getsockname()[1]}/sparql"
        with caplog.at_level("WARNING"):
            result = run(
                "build",
                "world_places",
                "--sparql-endpoint",
                endpoint,
                "--timeout",
                "1",
                "--retry-deadline",
                "3",
                "--out",
                str(tmp_path),
            )
    assert result.exit_code == 1
    # the last lines: other tests' server threads may have written to the captured stderr before
    error, hint = result.stderr.strip().splitlines()[-2:]
    assert error.startswith("Error: ") and "gave up after" in error and hint == "(run with -v for the traceback)"
    retries = [r for r in caplog.records if "failed" in r.getMessage() and "retrying in" in r.getMessage()]
    assert retries and all(r.levelname == "WARNING" for r in retries)


@pytest.mark.parametrize("flag", ["--timeout", "--retry-deadline"])
def test_timeouts_are_refused_with_the_sample(tmp_path, flag):
    result = run("build", "world_places", "--sample", flag, "5", "--out", str(tmp_path))
    assert result.exit_code == 2 and f"cannot be combined with {flag}" in result.stderr


@pytest.mark.server
def test_two_builds_sharing_a_cache_load_the_store_once_instead_of_failing(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from spacetime.pipelines.servers import OxigraphServer

    triples = tmp_path / "places.nt"
    lines = [
        f'<http://dbpedia.org/resource/P{i}> <http://www.w3.org/2000/01/rdf-schema#label> "P{i}" .' for i in range(2000)
    ]
    triples.write_text("\n".join(lines) + "\n")
    servers = [OxigraphServer([triples], store_root=tmp_path / "cache") for _ in range(2)]
    with ThreadPoolExecutor(2) as pool:
        locations = list(pool.map(OxigraphServer.load, servers))
    assert locations[0] == locations[1] and (locations[0] / ".loaded").is_file()


def test_a_sigterm_whose_exception_is_swallowed_still_ends_the_run():
    # Python drops an exception raised while a finalizer runs; the watchdog ends the run all the same.
    code = (
        "import time\nfrom spacetime import cli\n"
        "try:\n    cli._terminate(15, None)\nexcept SystemExit:\n    pass\n"
        "time.sleep(120)\nprint('still running')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=90)
    assert done.returncode == 143 and "still running" not in done.stdout


# --- one vocabulary: each shared option means the same in every command (spacetime/options.py) --------------------

ALL_COMMANDS = sorted(main.commands)
# the least a command needs besides the option under test, to get past its own required options
REQUIRED = {"publish": ["--repo-id", "org/name", "--tag", "v1.0"], "submit": ["--model", "org/model"]}


def _param(command: str, flag: str):
    found = [p for p in main.commands[command].params if flag in (*p.opts, *p.secondary_opts)]
    return found[0] if found else None


def test_every_command_is_listed_in_the_module_docstring():
    import spacetime.cli

    assert len(ALL_COMMANDS) >= 10
    doc = spacetime.cli.__doc__
    assert [name for name in ALL_COMMANDS if not re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", doc)] == []


@pytest.mark.parametrize("command", [c for c in ALL_COMMANDS if c != "leaderboard"])
def test_out_is_the_output_root_defaulting_to_out_in_every_command(command):
    param = _param(command, "--out")
    assert param is not None, f"{command} takes no --out"
    assert param.default == Path("out") and param.show_default


def test_leaderboard_out_is_the_documented_site_exception():
    assert _param("leaderboard", "--out").default is None


@pytest.mark.parametrize(
    "command, args",
    [
        ("build", ["nowhere_places"]),
        ("package", ["nowhere_places"]),
        ("validate", ["nowhere_places"]),
        ("submit", ["--model", "org/model", "nowhere_places"]),
        ("activations", ["nowhere_places"]),
    ],
)
def test_an_unknown_dataset_is_refused_naming_the_known_ones(tmp_path, command, args):
    from spacetime.pipelines.registry import DATASETS

    result = run(command, *args, "--out", str(tmp_path))
    assert result.exit_code == 2 and "'nowhere_places' is not one of" in result.stderr
    assert all(name in result.stderr for name in DATASETS)
    assert not any(tmp_path.iterdir())


def test_datasets_are_positional_in_every_command_that_takes_them():
    takes = {c: _param(c, "datasets") or _param(c, "dataset") for c in ALL_COMMANDS}
    for command, param in takes.items():
        if param is None:
            assert not [p for p in main.commands[command].params if "dataset" in p.name and p.name != "data_revision"]
            continue
        assert param.param_type_name == "argument", command
    assert sorted(c for c, p in takes.items() if p) == ["activations", "build", "package", "submit", "validate"]


def test_build_needs_datasets_or_all_not_both(tmp_path):
    assert "name a dataset or pass --all" in run("build", "--sample", "--out", str(tmp_path)).stderr
    both = run("build", "world_places", "--all", "--sample", "--out", str(tmp_path))
    assert both.exit_code == 2 and "not both" in both.stderr


@pytest.mark.parametrize("command", ["build", "demo", "activations", "evaluate"])
def test_progress_is_one_flag_on_by_default_wherever_long_work_runs(command):
    param = _param(command, "--progress")
    assert param is not None and param.secondary_opts == ["--no-progress"] and param.default is True


@pytest.mark.parametrize(
    "flag", ["--data", "--data-revision", "--model-revision", "--endpoint", "--seed", "--device", "--layers"]
)
def test_a_shared_option_has_one_type_and_source_in_every_command(flag):
    params = {c: _param(c, flag) for c in ALL_COMMANDS if _param(c, flag) is not None}
    assert len(params) >= 2, f"{flag} is not shared"
    kinds = {(type(p.type).__name__, p.envvar, tuple(p.opts), p.multiple) for p in params.values()}
    assert len(kinds) == 1, {c: (type(p.type).__name__, p.opts) for c, p in params.items()}
    if flag == "--endpoint":
        assert all(p.envvar == "HF_ENDPOINT" for p in params.values())
    if flag == "--device":
        assert all(p.default == "auto" and list(p.type.choices) == ["auto", "cpu", "cuda"] for p in params.values())


def test_no_short_revision_alias_is_left():
    assert all(_param(c, "--revision") is None for c in ALL_COMMANDS)
    assert all(_param(c, "--datasets") is None and _param(c, "--folder") is None for c in ALL_COMMANDS)


@pytest.mark.parametrize("spec", ["x", "x:", "1:2:0", "0,,4", "1:2:3:4"])
def test_bad_layers_are_refused_at_parse_time_in_activations_and_probe(tmp_path, monkeypatch, spec):
    import spacetime.probing.extraction.models as models
    import spacetime.probing.probes.run as probe_run

    def never(*args, **kwargs):
        raise AssertionError("the command ran past the parse")

    monkeypatch.setattr(models, "load_model", never)
    monkeypatch.setattr(probe_run, "run_probe", never)
    for args in (["activations", "world_places"], ["probe", "--activations", str(tmp_path)]):
        result = run(*args, "--layers", spec, "--out", str(tmp_path / "out"))
        assert result.exit_code == 2, result.output
        assert "Invalid value for '--layers'" in result.stderr and "Traceback" not in result.output


def test_layers_spec_accepts_the_documented_syntax():
    from spacetime.options import LayersSpec

    for spec in ("all", "0,4,8", "0:32:2", "-1", "0,10:20,-1", " all "):
        assert LayersSpec().convert(spec, None, None) == spec.strip()


@pytest.mark.parametrize(
    "flag, value, message",
    [
        ("--alphas", "1,x", "expected comma-separated numbers"),
        ("--alphas", "1,0", "every value must be > 0"),
        ("--pca", "2,a", "expected comma-separated integers"),
        ("--pca", "0,4", "every value must be >= 1"),
    ],
)
def test_number_lists_are_refused_at_parse_time(tmp_path, flag, value, message):
    result = run("probe", "--activations", str(tmp_path), flag, value)
    assert result.exit_code == 2 and message in result.stderr


def test_number_list_converts():
    from spacetime.options import NumberList

    assert NumberList(int, min=1).convert("2, 4,8", None, None) == [2, 4, 8]
    assert NumberList(float, min=0, min_open=True).convert("0.1,1e5", None, None) == [0.1, 1e5]


def test_probe_on_a_missing_folder_is_one_line_and_verbose_raises(tmp_path):
    empty = tmp_path / "acts"
    empty.mkdir()
    result = run("probe", "--activations", str(empty), "--out", str(tmp_path / "out"))
    assert result.exit_code == 1 and "Traceback" not in result.output
    error, hint = result.stderr.strip().splitlines()[-2:]
    assert error.startswith("Error: ") and "no manifest.json" in error and hint == "(run with -v for the traceback)"
    verbose = run("-v", "probe", "--activations", str(empty), "--out", str(tmp_path / "out"))
    assert verbose.exit_code != 0 and isinstance(verbose.exception, FileNotFoundError)


def test_publish_finds_the_release_under_out_and_follows_the_error_rule(tmp_path):
    result = run("publish", *REQUIRED["publish"], "--out", str(tmp_path))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert str(tmp_path / "release") in result.stderr and "(run with -v for the traceback)" in result.stderr
    verbose = run("-v", "publish", *REQUIRED["publish"], "--out", str(tmp_path))
    assert verbose.exit_code != 0 and verbose.exception is not None


@pytest.mark.parametrize(
    "args, message",
    [
        (["--sample", "--dbpedia-dump", "{dir}"], "cannot be combined with --dbpedia-dump"),
        (["--dbpedia-dump", "{dir}", "--sparql-endpoint", "http://127.0.0.1:9/sparql"], "--dbpedia-dump replaces"),
        (["--pageviews-url", "http://127.0.0.1:9", "--pageviews-dump", "{dir}"], "not both"),
    ],
)
def test_conflicting_source_flags_are_usage_errors(tmp_path, args, message):
    args = [a.format(dir=tmp_path) for a in args]
    result = run("build", "world_places", *args, "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and message in result.stderr


def test_source_options_are_checked_once_on_construction_and_frozen(tmp_path):
    import dataclasses

    from spacetime.pipelines.sources import ConflictingSourceOptions, SourceOptions
    from spacetime.pipelines.sources.sparql import DBPEDIA_ENDPOINT

    with pytest.raises(ConflictingSourceOptions, match="cannot be combined with --soda-url, --timeout"):
        SourceOptions(sample=True, soda_url="http://127.0.0.1:9", timeout=5)
    with pytest.raises(ConflictingSourceOptions, match="--dbpedia-dump replaces the SPARQL endpoint"):
        SourceOptions(dbpedia_dump=tmp_path, sparql_endpoint="http://127.0.0.1:9/sparql")
    with pytest.raises(TypeError):
        SourceOptions(True)  # keywords only
    options = SourceOptions(sample=True, datasets=["world_places"])
    assert options.datasets == ("world_places",) and options.endpoint == DBPEDIA_ENDPOINT
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.sample = False


def test_accelerate_entry_point_is_the_cli_command(tmp_path):
    from spacetime.probing.extraction.cli import _launched

    with pytest.raises(SystemExit) as done:
        _launched(["-v", "world_places", "--layers", "x", "--out", str(tmp_path)])
    assert done.value.code == 2
