"""A community's risk band on the map comes from its stored area and the boundaries' parent_pcode, never from a
P-code prefix (publishers' codes need not share one)."""

from __future__ import annotations

from pochub.web.map_layers import band_of


def test_band_follows_parent_pcode_not_prefixes() -> None:
    parents: dict[str, str | None] = {"OSM-r1234": "CD61", "CD61": None, "CD6101": "CD61", "X": "Y", "Y": "X"}
    bands = {"CD61": "high", "CD6101": "low"}
    assert band_of("OSM-r1234", bands, parents) == "high", "an unrelated code finds its parent's band"
    assert band_of("CD6101", bands, parents) == "low", "an area's own band first"
    assert band_of("CD610199", bands, parents) is None, "a prefix is not a parent"
    assert band_of("X", bands, parents) is None, "a cycle in parent codes ends"
    assert band_of(None, bands, parents) is None
