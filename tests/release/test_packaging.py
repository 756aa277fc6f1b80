"""The installed package holds product code only: no tests, benchmarks, sample generator, tiny models or test servers.

The wheel is built from this checkout into a temporary folder (pip, no isolation: setuptools from this environment).
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEV_FOLDERS = {"tests", "tools", "benchmarks"}
DEV_MODULES = {"tiny.py", "virtuoso.py", "faults.py", "hubserver.py", "conftest.py", "make_sample.py", "synthetic.py"}
DEV_NAMES = ("proximity_errors_brute", "VirtuosoServer", "tiny_model", "def generate(")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), "."]
    built = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-3000:]
    (path,) = out.glob("llm_spacetime-*.whl")
    return zipfile.ZipFile(path)


def test_the_wheel_has_no_test_benchmark_or_generator_code(wheel):
    files = [PurePosixPath(name) for name in wheel.namelist()]
    modules = [f for f in files if f.suffix == ".py"]
    assert PurePosixPath("spacetime/pipelines/sources/sparql.py") in modules  # the listing is the package's
    assert [str(f) for f in modules if DEV_FOLDERS & set(f.parts)] == []
    assert [str(f) for f in modules if f.name in DEV_MODULES or f.name.endswith("_part.py")] == []
    assert not any(f.parts[0] == "tools" for f in files)
    for module in modules:
        text = wheel.read(str(module)).decode("utf-8")
        assert [name for name in DEV_NAMES if name in text] == [], module


def test_the_wheel_carries_the_sample_data_the_demo_needs(wheel):
    names = set(wheel.namelist())
    data = "spacetime/pipelines/sample/data/"
    assert {data + "MANIFEST.json", data + "dbpedia/ontology.nt", data + "soda/rxuy-2muj/rows-00000.json.gz"} <= names
    assert any(name.startswith(data + "nyt/archive/") for name in names)
    assert "spacetime/pipelines/servers/soda.py" in names and "spacetime/pipelines/servers/nyt.py" in names
