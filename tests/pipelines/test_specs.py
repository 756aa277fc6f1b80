"""One declaration per dataset: every spec is complete, every stage reads it, and reading it loads no build code."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from spacetime.dist.card import column_table
from spacetime.loaders.features import class_labels, column_docs, features, targets
from spacetime.pipelines.registry import DATASETS, builder, spec
from spacetime.pipelines.spec import BUILD_ONLY_COLUMNS, DatasetSpec
from spacetime.probing.extraction.prompts import default_prompt, get_prompt, prompts

ROOT = Path(__file__).resolve().parents[2]
NUMERIC = (pa.types.is_integer, pa.types.is_floating)


def _fields(declared: DatasetSpec) -> dict[str, pa.Field]:
    return {f.name: f for f in declared.schema}


# ----------------------------------------------------------------------------------------------- the registry


def test_every_dataset_has_a_spec_next_to_its_builder():
    for name in DATASETS:
        declared = spec(name)
        assert isinstance(declared, DatasetSpec) and declared.name == name
        assert (ROOT / "pipelines" / "datasets" / name / "spec.py").is_file()
        module = builder(name)
        assert module.SPEC is declared, name
        assert not hasattr(module, "DATASET") and not hasattr(module, "SCHEMA"), name  # the spec says them once
    with pytest.raises(KeyError, match="unknown dataset 'moon_places'"):
        spec("moon_places")


# ----------------------------------------------------------------------------------------------- completeness


@pytest.mark.parametrize("name", DATASETS)
def test_spec_is_complete(name):
    declared = spec(name)
    fields = _fields(declared)
    assert len(fields) == len(declared.columns), "duplicate column names"
    for field in declared.schema:
        meta = field.metadata or {}
        assert meta.get(b"description", b"").strip(), f"{name}.{field.name} has no description"
        assert b"unit" not in meta or meta[b"unit"].strip(), f"{name}.{field.name} has an empty unit"
    released = set(fields) - set(BUILD_ONLY_COLUMNS)
    assert declared.targets and set(declared.targets) <= released
    assert {*declared.required, declared.group_column, declared.block.column} <= released
    for column, names in declared.class_labels.items():
        assert column in released and pa.types.is_string(fields[column].type), column
        assert names and len(set(names)) == len(names) and all(names), column
    for column, (low, high) in declared.ranges.items():
        assert column in released and any(is_type(fields[column].type) for is_type in NUMERIC), column
        assert low < high, column
    assert declared.sources and all(s.strip() for s in declared.sources)
    assert declared.summary.strip()


@pytest.mark.parametrize("name", DATASETS)
def test_prompts_read_real_columns_and_the_default_exists(name):
    declared = spec(name)
    assert len(set(declared.prompt_names)) == len(declared.prompts)
    assert declared.default_prompt in declared.prompt_names
    for prompt in declared.prompts:
        assert prompt.columns and set(prompt.columns) <= set(_fields(declared)), prompt.name
    assert declared.text_columns[0] == "name"


@pytest.mark.parametrize("name", DATASETS)
def test_a_map_extent_only_for_places(name):
    declared = spec(name)
    if declared.plot_extent is not None:
        lon_min, lon_max, lat_min, lat_max = declared.plot_extent
        assert -180 <= lon_min < lon_max <= 180 and -90 <= lat_min < lat_max <= 90
        assert declared.targets == ("latitude", "longitude")
        # The map shows every place the builder may keep.
        lat_low, lat_high = declared.range_of("latitude")
        lon_low, lon_high = declared.range_of("longitude")
        assert lat_min <= lat_low and lat_high <= lat_max and lon_min <= lon_low and lon_high <= lon_max


def test_block_labels():
    assert spec("historical_figures").block.label(1815) == "1800s"
    assert spec("historical_figures").block.label(-44) == "-100s"
    assert spec("art_entertainment").block.label(1977) == "1970s"
    assert spec("headlines").block.label(2015) == "2015"
    assert spec("world_places").block.label("France") == "France"


# ----------------------------------------------------------------------------------------------- every stage


@pytest.mark.parametrize("name", DATASETS)
def test_every_stage_reads_the_spec(name):
    import great_expectations as gx

    from spacetime.validation.suites import suite

    gx.get_context(mode="ephemeral")
    declared = spec(name)
    feats = features(name)
    assert list(feats) == [c.name for c in declared.columns if c.name not in BUILD_ONLY_COLUMNS]
    assert targets(name) == list(declared.targets)
    assert class_labels(name) == {c: list(n) for c, n in declared.class_labels.items()}
    for column, names in declared.class_labels.items():
        assert feats[column].names == list(names)
    docs = column_docs(name)
    assert set(docs) == set(feats) and all(d["description"] for d in docs.values())
    # The validation checks the declared ranges and the declared group column.
    expectations = suite(name).expectations
    checked = {}
    for e in expectations:
        if type(e).__name__ == "ExpectColumnValuesToBeBetween" and e.column in declared.ranges:
            checked[e.column] = (e.min_value, e.max_value)
    assert checked == dict(declared.ranges)
    not_null = {e.column for e in expectations if type(e).__name__ == "ExpectColumnValuesToNotBeNull"}
    assert {declared.group_column, *declared.targets, *declared.required} <= not_null
    # The card documents every column; the probing stage finds its prompts.
    table = column_table(name)
    assert all(f"| `{column}` |" in table for column in feats)
    assert get_prompt(name) is prompts(name)[default_prompt(name)]


def test_no_stage_keeps_its_own_per_dataset_table():
    keyed = re.compile(r'"(' + "|".join(DATASETS) + r')"\s*:')
    offenders = []
    for folder in ("loaders", "validation", "dist", "probing", "pipelines/builders", "spacetime"):
        for path in (ROOT / folder).rglob("*.py"):
            if keyed.search(path.read_text("utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"per-dataset tables outside the specs: {offenders}"


# ----------------------------------------------------------------------------------------------- the builders


def test_builders_take_their_ranges_from_the_spec():
    us = builder("us_places")
    assert (us.CONTIGUOUS_LATITUDE, us.CONTIGUOUS_LONGITUDE) == (
        spec("us_places").range_of("latitude"),
        spec("us_places").range_of("longitude"),
    )
    nyc = builder("nyc_places").NycPlacesConfig()
    assert ((nyc.lat_min, nyc.lat_max), (nyc.lon_min, nyc.lon_max)) == (
        spec("nyc_places").range_of("latitude"),
        spec("nyc_places").range_of("longitude"),
    )
    people = builder("historical_figures").HistoricalFiguresConfig()
    assert (people.first_year, people.last_year) == spec("historical_figures").range_of("death_year")
    art = builder("art_entertainment").ArtEntertainmentConfig()
    assert (art.first_year, art.last_year) == spec("art_entertainment").range_of("release_year")
    news = builder("headlines").HeadlinesConfig()
    first, last = spec("headlines").range_of("pub_year")
    assert (news.first_month, news.last_month) == (f"{first}-01", f"{last}-12")
    assert list(builder("nyc_places").BOROUGHS.values()) == list(spec("nyc_places").class_labels["borough"])


def test_targets_are_declared_once():
    # Build(SPEC, sources) writes the spec's schema and targets: no builder names them again.
    for name in DATASETS:
        source = (ROOT / "pipelines" / "datasets" / name / "build.py").read_text("utf-8")
        assert "Build(SPEC, sources)" in source, name
        assert not re.search(r"\btarget=|SPEC\.schema|SPEC\.group_column", source), name
    assert spec("art_entertainment").targets == ("release_date",)


def test_kind_agrees_with_the_targets():
    for name in DATASETS:
        declared = spec(name)
        assert declared.kind in ("space", "time"), name
        if declared.kind == "space":
            assert declared.targets == ("latitude", "longitude"), name
        else:
            assert len(declared.targets) == 1 and "latitude" not in declared.targets, name
        # A projected map draws a graticule, at the spacing the spec declares.
        assert (declared.graticule_degrees is not None) == (declared.map_projection is not None), name
        assert declared.map_projection is None or declared.kind == "space", name


def test_the_test_share_is_one_constant(sample_release):
    # The builders' split, the validation's band and the card's text all come from TEST_SHARE.
    from spacetime.pipelines.builders.steps import split_of
    from spacetime.pipelines.spec import TEST_SHARE
    from spacetime.validation.suites import TEST_SHARE_BAND

    low, high = TEST_SHARE_BAND
    assert low < TEST_SHARE < high and abs((low + high) / 2 - TEST_SHARE) < 1e-9
    assert split_of.__defaults__ == (TEST_SHARE,)
    card = (sample_release / "release" / "README.md").read_text("utf-8")
    assert f"about {TEST_SHARE:.0%} test" in card


def test_every_build_records_the_declared_target(sample_release):
    for name in DATASETS:
        meta = json.loads((sample_release / "build" / name / "metadata.json").read_text("utf-8"))
        assert meta["target"] == targets(name), name


# ----------------------------------------------------------------------------------------------- imports


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"import sys\n{code}\nprint('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    return set(out.split())


def test_loading_features_imports_no_build_code():
    modules = _modules_after(
        "from spacetime.loaders.features import features\n"
        "from spacetime.pipelines.registry import DATASETS\n"
        "for name in DATASETS:\n    features(name)"
    )
    assert "spacetime.loaders.features" in modules and "spacetime.pipelines.datasets.world_places.spec" in modules
    build = sorted(m for m in modules if re.fullmatch(r"spacetime\.pipelines\.datasets\.\w+\.build", m))
    assert not build, build
    assert not {m for m in modules if m.split(".")[0] == "SPARQLWrapper"}
    assert not {m for m in modules if m.startswith(("spacetime.pipelines.builders", "spacetime.pipelines.sources"))}


def test_specs_and_prompts_import_nothing_heavy():
    modules = _modules_after(
        "from spacetime.pipelines.registry import DATASETS, spec\n"
        "from spacetime.probing.extraction.prompts import get_prompt\n"
        "for name in DATASETS:\n    spec(name), get_prompt(name)"
    )
    heavy = {"pandas", "datasets", "torch", "SPARQLWrapper", "great_expectations", "requests"}
    assert not heavy & modules, heavy & modules
    assert not {m for m in modules if m.endswith(".build")}


# ----------------------------------------------------------------------------------------------- the card


def _config_sections(card: str) -> dict[str, str]:
    parts = re.split(r"^## `(\w+)`\n", card, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def test_card_documents_every_column_of_every_config(sample_release):
    card = (sample_release / "release" / "README.md").read_text("utf-8")
    sections = _config_sections(card)
    assert set(sections) == set(DATASETS)
    for name, section in sections.items():
        rows = [line for line in section.splitlines() if line.startswith("| `")]
        documented = {}
        for row in rows:
            cells = [c.strip() for c in row.strip("|").split(" | ")]
            if len(cells) == 4:
                documented[cells[0].strip("`")] = cells
        assert set(documented) == set(features(name)), name
        units = {c.name: c.unit or "" for c in spec(name).columns}
        for column, (_, kind, unit, description) in documented.items():
            assert kind and description, f"{name}.{column}: empty type or description cell"
            assert unit == units[column], f"{name}.{column}"
    assert "| `latitude` | float64 | degrees |" in sections["world_places"]


def test_card_metadata(sample_release):
    from huggingface_hub import DatasetCard

    release = sample_release / "release"
    card = DatasetCard.load(release / "README.md")
    data = card.data.to_dict()
    assert [c["config_name"] for c in data["configs"]] == list(DATASETS)
    assert [c["config_name"] for c in data["configs"] if c.get("default")] == ["world_places"]
    assert data["task_categories"] and data["source_datasets"]
    assert data["license"] == "other" and data["license_name"]
    assert (release / data["license_link"]).is_file()
    terms = (release / data["license_link"]).read_text("utf-8")
    for name in DATASETS:
        assert all(source in terms for source in spec(name).sources)
    assert "https://arxiv.org/abs/2310.02207" in card.text
