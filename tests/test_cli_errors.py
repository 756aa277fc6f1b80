"""Expected failures end in one or two lines naming the thing and the fix, with a non-zero exit code."""

from __future__ import annotations

import os
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
