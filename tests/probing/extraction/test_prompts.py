"""Prompts, read positions and --layers parsing (no model needed)."""

from __future__ import annotations

import pytest

from spacetime.pipelines.registry import DATASETS
from spacetime.probing.extraction.forward import encode_rows
from spacetime.probing.extraction.layers import parse_layers
from spacetime.probing.extraction.prompts import (
    default_prompt,
    get_prompt,
    prompts,
    random_prefix,
    read_index,
    render,
    required_columns,
)
from tests.tiny import tiny_tokenizer

ROWS = {
    "world_places": [{"name": "Paris"}, {"name": "São Paulo"}, {"name": "Xi'an"}, {"name": "Golden Gate Bridge"}],
    "us_places": [{"name": "Springfield, Illinois"}],
    "nyc_places": [{"name": "Empire State Building"}],
    "historical_figures": [{"name": "Ada Lovelace"}],
    "art_entertainment": [{"name": "Casablanca", "creator": "Michael Curtiz"}],
    "headlines": [{"name": "Obama Wins Re-election."}, {"name": "Storm Hits the Coast"}],
}


def test_every_dataset_has_a_default_prompt_from_its_table():
    assert set(ROWS) == set(DATASETS)
    for dataset in DATASETS:
        assert get_prompt(dataset) is prompts(dataset)[default_prompt(dataset)]


def test_paper_prompts_render_as_specified():
    paris = {"name": "Paris"}
    assert render(get_prompt("world_places", "empty"), paris).text == "Paris"
    assert render(get_prompt("world_places", "coords"), paris).text == "What are the lat/lon coordinates of Paris"
    assert render(get_prompt("world_places", "all_caps"), paris).text == "PARIS"
    assert render(get_prompt("us_places"), paris).text == "Where in the United States is Paris"
    assert render(get_prompt("nyc_places"), paris).text == "Where in New York City is Paris"
    assert render(get_prompt("historical_figures"), {"name": "Ada Lovelace"}).text == "When did Ada Lovelace"
    art = render(get_prompt("art_entertainment"), {"name": "Casablanca", "creator": "Michael Curtiz"})
    assert art.text == "When was the release date of Casablanca by Michael Curtiz"
    assert art.text[art.start : art.end] == "Casablanca by Michael Curtiz"
    assert required_columns(get_prompt("art_entertainment")) == ["name", "creator"]


@pytest.mark.parametrize("headline", ["Obama Wins Re-election.", "Obama Wins Re-election"])
def test_headlines_with_and_without_their_final_period(headline):
    row = {"name": headline}
    with_period = render(get_prompt("headlines", "period"), row)
    assert with_period.text == "Obama Wins Re-election."
    assert with_period.text[with_period.start : with_period.end] == "."
    assert with_period.end == len(with_period.text)
    without = render(get_prompt("headlines", "no_period"), row)
    assert without.text == "Obama Wins Re-election"
    assert without.text[without.start : without.end] == "Obama Wins Re-election"
    assert (
        render(get_prompt("headlines", "publication_date"), row).text == "Publication date of: Obama Wins Re-election"
    )


def test_unknown_dataset_or_prompt_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown dataset 'moon_places'"):
        get_prompt("moon_places")
    with pytest.raises(ValueError, match="has no prompt 'coords'.*when_did"):
        get_prompt("historical_figures", "coords")


@pytest.mark.parametrize("bos,eos", [(False, False), (True, False), (True, True)])
def test_read_token_is_the_last_token_of_the_entity(bos, eos):
    tok = tiny_tokenizer(bos=bos, eos=eos)
    for dataset in DATASETS:
        for prompt in prompts(dataset).values():
            random_text = random_prefix(tok, 0) if prompt.random_prefix else None
            encoded = encode_rows(tok, prompt, ROWS[dataset], random_text)
            for row, ids, r in zip(ROWS[dataset], encoded.input_ids, encoded.read_index):
                rendered = render(prompt, row, random_text)
                # everything up to and including the read token spells the text up to the end of the entity ...
                assert tok.decode(ids[: r + 1], skip_special_tokens=True) == rendered.text[: rendered.end], prompt
                # ... and the read token itself is part of the entity (or is the period)
                assert tok.decode(ids[r : r + 1]).strip() and rendered.text[rendered.start : rendered.end].endswith(
                    tok.decode(ids[r : r + 1]).strip()[-1]
                )
            if bos:
                assert all(ids[0] == tok.bos_token_id for ids in encoded.input_ids)
            if eos:
                assert all(
                    ids[-1] == tok.eos_token_id and r == len(ids) - 2
                    for ids, r in zip(encoded.input_ids, encoded.read_index)
                )


def test_read_index_skips_special_tokens_and_fails_loudly():
    offsets = [(0, 0), (0, 4), (4, 10), (10, 11), (0, 0)]
    assert read_index(offsets, 4, 10) == 2
    assert read_index(offsets, 10, 11) == 3
    assert read_index(offsets, 0, 3) == 1  # a token that straddles the end of the span is the read token
    with pytest.raises(ValueError, match="no token covers characters 11..12"):
        read_index(offsets, 11, 12)


def test_random_prefix_is_ten_vocabulary_tokens_fixed_per_seed():
    tok = tiny_tokenizer()
    first, again, other = random_prefix(tok, 3), random_prefix(tok, 3), random_prefix(tok, 4)
    assert first == again and first != other
    assert first and not any(s in first for s in tok.all_special_tokens)
    prompt = get_prompt("world_places", "random")
    assert render(prompt, {"name": "Paris"}, first).text == f"{first} Paris"
    with pytest.raises(ValueError, match="random prefix"):
        render(prompt, {"name": "Paris"})


@pytest.mark.parametrize(
    "spec,expected",
    [
        ("all", list(range(32))),
        ("0,4,8", [0, 4, 8]),
        ("8,0,4,4", [0, 4, 8]),
        ("0:32:2", list(range(0, 32, 2))),
        ("28:", [28, 29, 30, 31]),
        ("-1", [31]),
        ("0, 10:13, -1", [0, 10, 11, 12, 31]),
        ("::-8", [7, 15, 23, 31]),
    ],
)
def test_parse_layers(spec, expected):
    assert parse_layers(spec, 32) == expected


@pytest.mark.parametrize(
    "spec,message",
    [
        ("32", "out of range"),
        ("-33", "out of range"),
        ("five", "cannot parse 'five'"),
        ("1,,2", "empty item"),
        ("40:50", "out of range"),
        ("0:99", "'0:99' is out of range for 32 layers"),
        ("-40:", "out of range"),
        ("5:3", "selects no layer"),
        ("1:2:3:4", "cannot parse"),
        ("0:32:0", "cannot parse"),
    ],
)
def test_parse_layers_rejects_bad_specs(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_layers(spec, 32)


def test_a_label_with_a_newline_is_read_as_one_line_and_counted(caplog):
    tok = tiny_tokenizer()
    prompt = get_prompt("world_places", "coords")
    rows = [{"name": "Rio de\nJaneiro"}, {"name": "Lima\t "}, {"name": "Oslo"}]
    assert render(prompt, rows[0]).text == "What are the lat/lon coordinates of Rio de Janeiro"
    with caplog.at_level("WARNING"):
        encoded = encode_rows(tok, prompt, rows)
    assert encoded.whitespace_normalised == 2 and "whitespace normalised" in caplog.text
    assert encoded.input_ids[0] == encode_rows(tok, prompt, [{"name": "Rio de Janeiro"}]).input_ids[0]
