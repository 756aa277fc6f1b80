"""Make probing/probes/basemap/ne_110m_countries.json, the probe plots' basemap, from Natural Earth's 1:110m countries.

Natural Earth (naturalearthdata.com) is public domain. Its 1:110m Admin 0 countries shapefile is bundled, as
``naturalearth_lowres``, in the geopandas 0.14 source distribution on PyPI, so it can be fetched without other network
access. Run once; the output is committed, and the package reads it with the standard library only:

    pip download --no-deps --no-binary :all: geopandas==0.14.4 -d /tmp/ne
    tar xzf /tmp/ne/geopandas-0.14.4.tar.gz -C /tmp/ne
    pip install pyshp   # conversion time only
    python tools/natural_earth.py \
        /tmp/ne/geopandas-0.14.4/geopandas/datasets/naturalearth_lowres/naturalearth_lowres.shp

Output: GeoJSON (a FeatureCollection of MultiPolygons with ``name`` and ``iso_a3``), coordinates rounded to 0.01
degrees (about 1 km, far below the resolution of a 1:110m map).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "probing" / "probes" / "basemap" / "ne_110m_countries.json"
DECIMALS = 2


def _ring(points) -> list[list[float]]:
    """A ring rounded to ``DECIMALS``, consecutive duplicate points dropped."""
    ring: list[list[float]] = []
    for lon, lat in points:
        point = [round(lon, DECIMALS), round(lat, DECIMALS)]
        if not ring or ring[-1] != point:
            ring.append(point)
    return ring


def _polygons(shape) -> list[list[list[list[float]]]]:
    """The shape as GeoJSON MultiPolygon coordinates (pyshp sorts rings into outer rings and their holes)."""
    geo = shape.__geo_interface__
    polygons = [geo["coordinates"]] if geo["type"] == "Polygon" else geo["coordinates"]
    rounded = [[_ring(ring) for ring in polygon] for polygon in polygons]
    return [[ring for ring in polygon if len(ring) >= 4] for polygon in rounded if len(polygon[0]) >= 4]


def convert(shp: Path, out: Path = OUT) -> Path:
    import shapefile  # pyshp, conversion time only

    reader = shapefile.Reader(str(shp))
    fields = [f[0] for f in reader.fields[1:]]
    features = []
    for record, shape in zip(reader.records(), reader.shapes()):
        props = dict(zip(fields, record))
        polygons = _polygons(shape)
        if not polygons:
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {"name": props["name"], "iso_a3": props["iso_a3"]},
                "geometry": {"type": "MultiPolygon", "coordinates": polygons},
            }
        )
    collection = {
        "type": "FeatureCollection",
        "source": "Natural Earth 1:110m Admin 0 countries (public domain), via geopandas 0.14.4 naturalearth_lowres",
        "features": features,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(collection, separators=(",", ":")) + "\n")
    return out


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    path = convert(Path(sys.argv[1]))
    print(f"{path}: {path.stat().st_size:,} bytes")
