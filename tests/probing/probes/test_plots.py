"""The plots' projections and basemap (no model needed): published reference values, and PNGs that get written."""

from __future__ import annotations

import numpy as np
import pytest

from spacetime.probing.probes import plots


def test_equal_earth_matches_its_published_extent():
    # Šavrič et al. (2018): on the unit sphere the map spans x in +-2.7066 and y in +-1.3173.
    x, y = plots.equal_earth(np.array([180.0, -180.0, 0.0, 0.0]), np.array([0.0, 0.0, 90.0, -90.0]))
    assert x[0] == pytest.approx(2.7066, abs=1e-4) and x[1] == pytest.approx(-2.7066, abs=1e-4)
    assert y[2] == pytest.approx(1.3173, abs=1e-4) and y[3] == pytest.approx(-1.3173, abs=1e-4)


def test_albers_usa_is_centred_and_keeps_north_up():
    x, y = plots.albers_usa(np.array([-96.0, -96.0, -80.0, -120.0]), np.array([37.5, 45.0, 37.5, 37.5]))
    assert x[0] == pytest.approx(0.0, abs=1e-12) and y[0] == pytest.approx(0.0, abs=1e-12)
    assert y[1] > 0 and x[1] == pytest.approx(0.0, abs=1e-12)
    assert x[2] > 0 > x[3] and x[2] == pytest.approx(-x[3] * 16 / 24, rel=0.05)


def test_the_shipped_basemap_is_natural_earth_countries():
    rings = plots.basemap_rings()
    assert len(rings) > 250  # 177 countries, many with islands
    points = np.concatenate(rings)
    assert points[:, 0].min() >= -180 and points[:, 0].max() <= 180
    assert points[:, 1].min() >= -90 and points[:, 1].max() <= 84
    assert all(np.array_equal(ring[0], ring[-1]) for ring in rings)  # closed rings


@pytest.mark.parametrize(
    "dataset,center,spread",
    [
        ("world_places", (20.0, 10.0), (25.0, 60.0)),
        ("us_places", (38.0, -95.0), (5.0, 12.0)),
        ("nyc_places", (40.73, -73.95), (0.05, 0.05)),
    ],
)
def test_maps_are_written(tmp_path, dataset, center, spread):
    rng = np.random.default_rng(0)
    truth = np.asarray(center) + rng.normal(size=(300, 2)) * spread
    truth[:, 0] = truth[:, 0].clip(-89, 89)
    pred = truth + rng.normal(size=truth.shape) * np.asarray(spread) / 3
    path = plots.prediction_map(tmp_path / f"{dataset}.png", dataset, truth, pred, layer=3)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 20_000


def test_r2_plot_takes_a_chosen_layer_and_a_control(tmp_path):
    per_layer = [{"layer": i, "test": {"r2": r}} for i, r in enumerate([0.1, 0.4, 0.6, 0.5])]
    control = [{"layer": i, "test_r2": r} for i, r in enumerate([-3.0, 0.0, 0.02, 0.01])]
    path = plots.r2_by_layer(tmp_path / "r2.png", "world_places", per_layer, control, "tiny", best_layer=2)
    assert path.read_bytes()[:4] == b"\x89PNG"
