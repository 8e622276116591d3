"""ketdir.geo: offline place resolution and distances, against the bundled gazetteer."""
from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from ketdir import geo
from ketdir.geo import (
    POSTCODE_RE,
    Gazetteer,
    GazetteerError,
    Place,
    Resolution,
    bounding_box,
    default_gazetteer,
    distance_miles,
    format_distance,
    miles_to_km,
)
from ketdir.paths import data_dir


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load()


def resolved(gaz: Gazetteer, text: str) -> Place:
    res = gaz.resolve(text)
    assert res.place is not None, (text, res)
    return res.place


def _shape_ok(res: Resolution) -> bool:
    """Exactly one outcome: a place, choices (2 or more), or a message."""
    outcomes = [res.place is not None, len(res.choices) > 0, res.message is not None]
    return sum(outcomes) == 1 and len(res.choices) != 1


# ---------------------------------------------------------------------------------------------- loading


def test_bundled_data_is_in_the_project_with_attribution():
    folder = data_dir() / "gazetteer"
    assert (folder / "uk_outcodes.csv").is_file()
    assert (folder / "gb_places.csv").is_file()
    notice = (folder / "NOTICE.md").read_text(encoding="utf-8")
    assert "Place names © GeoNames, CC BY 4.0" in notice
    assert "Open Government Licence v3.0" in notice
    assert "Royal Mail" in notice and "OS data" in notice


def test_import_loads_nothing_and_no_qt():
    code = (
        "import sys, ketdir.geo as g; "
        "print(g.default_gazetteer.cache_info().currsize, any(m.startswith('PySide6') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0", "False"]


def test_default_gazetteer_is_cached():
    assert default_gazetteer() is default_gazetteer()


def test_missing_data_is_a_clear_error(tmp_path):
    with pytest.raises(GazetteerError, match="could not be read"):
        Gazetteer.load(tmp_path)


def test_rows_outside_the_uk_or_broken_are_skipped(gaz):
    # The bundled table has Dhekelia (Cyprus) with no nation.
    res = gaz.resolve("Dhekelia")
    assert res.place is None and res.message
    assert all(geo.NATION_NAMES.get(n) for n in {gaz.resolve("Bangor").choices[0].nation})


# -------------------------------------------------------------------------------------------- postcodes


@pytest.mark.parametrize("text", ["SE1 7TP", "se17tp", " se1  7tp ", "Se1 7tP", "SE1\t7TP"])
def test_full_postcode_resolves_to_district_centre_and_says_so(gaz, text):
    place = resolved(gaz, text)
    district = resolved(gaz, "SE1")
    assert place.kind == "postcode"
    assert place.name == "SE1 7TP"
    assert place.outcode == "SE1"
    assert (place.latitude, place.longitude) == (district.latitude, district.longitude)
    assert place.label == "SE1 7TP (near SE1 district centre)"
    assert place.precision_note == "Full postcodes resolve to the district centre (offline)."
    assert place.nation == "ENG"


@pytest.mark.parametrize("text,outcode", [("SE1", "SE1"), ("bn3", "BN3"), (" sE17 ", "SE17"), ("W1A", "W1A"), ("M1", "M1")])
def test_district_alone(gaz, text, outcode):
    place = resolved(gaz, text)
    assert place.kind == "district"
    assert place.name == place.outcode == outcode
    assert place.label == f"{outcode} district"
    assert "district centre" in place.precision_note


def test_se17_is_its_own_district_not_se1(gaz):
    se17, se1 = resolved(gaz, "SE17"), resolved(gaz, "SE1")
    assert se17.outcode == "SE17" and se1.outcode == "SE1"
    assert (se17.latitude, se17.longitude) != (se1.latitude, se1.longitude)
    assert resolved(gaz, "SE17 1AA").outcode == "SE17"
    assert resolved(gaz, "se171aa").outcode == "SE17"  # outward SE17 + inward 1AA
    assert resolved(gaz, "SE17TP").outcode == "SE1"  # outward SE1 + inward 7TP


def test_outcode_of(gaz):
    assert gaz.outcode_of("se1 7tp") == "SE1"
    assert gaz.outcode_of("SE17TP") == "SE1"
    assert gaz.outcode_of("SE17") == "SE17"
    assert gaz.outcode_of("bn3") == "BN3"
    assert gaz.outcode_of("BX1") is None  # well formed, not a known district
    assert gaz.outcode_of("BX1 1LT") is None
    assert gaz.outcode_of("SE1 7CI") is None  # C and I never appear in an inward code
    assert gaz.outcode_of("Brighton") is None
    assert gaz.outcode_of("") is None
    assert gaz.outcode_of(None) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["BX1", "ZZ9", "bx1 1lt", "ZZ9 9ZZ", "SE99"])
def test_unknown_district_says_so_with_suggestions(gaz, text):
    res = gaz.resolve(text)
    assert res.place is None and not res.choices
    assert "postcode district" in res.message
    assert text.split()[0].upper() in res.message
    if text != "ZZ9" and text != "ZZ9 9ZZ":
        assert res.suggestions
    for suggestion in res.suggestions:
        assert gaz.resolve(suggestion).place is not None


def test_unknown_district_suggestions_stay_in_the_area(gaz):
    res = gaz.resolve("SE99")
    assert res.suggestions and all(s.startswith("SE") for s in res.suggestions)


def test_invalid_inward_code_points_to_the_district(gaz):
    res = gaz.resolve("SE1 7CI")
    assert res.place is None
    assert "isn't a valid UK postcode" in res.message
    assert res.suggestions == ("SE1",)


def test_part_of_a_postcode_resolves_to_the_district_and_says_so(gaz):
    place = resolved(gaz, "SE1 7")
    assert place.outcode == "SE1" and "district centre" in place.label


@pytest.mark.parametrize("good", ["SW1A1AA", "EC1A1BB", "W1A0AX", "M11AE", "B338TH", "CR26XH", "DN551PT", "BX11LT"])
def test_postcode_regex_accepts_real_formats(good):
    assert POSTCODE_RE.fullmatch(good)


@pytest.mark.parametrize("bad", ["Q11AA", "SE17CI", "AA11AAA", "SE1", "1SE7TP", "GIR0AA", "ZZ99ZZ"])
def test_postcode_regex_rejects_bad_ones(bad):
    assert not POSTCODE_RE.fullmatch(bad)


def test_crown_dependency_districts_have_no_uk_nation(gaz):
    place = resolved(gaz, "GY1")
    assert place.nation is None
    assert "Guernsey" in place.precision_note and "bank holidays" in place.precision_note
    assert resolved(gaz, "JE2 3AB").nation is None


# ---------------------------------------------------------------------------------------------- nations


@pytest.mark.parametrize("outcode,nation", [("SE1", "ENG"), ("CF10", "WLS"), ("EH1", "SCT"), ("G1", "SCT"), ("BT1", "NIR"), ("LL57", "WLS")])
def test_districts_have_a_nation(gaz, outcode, nation):
    assert resolved(gaz, outcode).nation == nation


def test_every_bt_district_is_northern_ireland(gaz):
    bt = [o for o, _lat, _lon in gaz.districts() if o.startswith("BT")]
    assert len(bt) > 50
    assert {resolved(gaz, o).nation for o in bt} == {"NIR"}


@pytest.mark.parametrize(
    "lat,lon,nation",
    [(51.5, -0.12, "ENG"), (51.48, -3.18, "WLS"), (55.95, -3.19, "SCT"), (54.6, -5.93, "NIR"), (60.15, -1.15, "SCT")],
)
def test_nation_at(gaz, lat, lon, nation):
    assert gaz.nation_at(lat, lon) == nation


def test_districts_list(gaz):
    districts = gaz.districts()
    assert len(districts) > 2900
    codes = [d[0] for d in districts]
    assert len(codes) == len(set(codes))
    assert "SE1" in codes and "SE17" in codes
    for _code, lat, lon in districts:
        assert 49 <= lat <= 61 and -9 <= lon <= 2.5


# ---------------------------------------------------------------------------------------------- places


@pytest.mark.parametrize("text", ["St Albans", "st. albans", "ST ALBANS", "Saint Albans", "  st albans  ", "St-Albans"])
def test_place_names_tolerate_case_and_punctuation(gaz, text):
    place = resolved(gaz, text)
    assert place.name == "St Albans" and place.kind == "place"
    assert place.label == "St Albans, England"
    assert place.nation == "ENG" and place.population > 50_000


@pytest.mark.parametrize(
    "text,name",
    [
        ("Newcastle upon Tyne", "Newcastle upon Tyne"),
        ("newcastle-upon-tyne", "Newcastle upon Tyne"),
        ("Bo'ness", "Bo’ness"),
        ("bóness", "Bo’ness"),
        ("kings lynn", "King's Lynn"),
        ("King’s Lynn", "King's Lynn"),
        ("STOKE ON TRENT", "Stoke-on-Trent"),
        ("near Brighton", "Brighton"),
        ("Hull", "Kingston upon Hull"),
        ("Westminster", "City of Westminster"),
    ],
)
def test_place_name_variants(gaz, text, name):
    assert resolved(gaz, text).name == name


def test_bangor_gives_choices_largest_first(gaz):
    res = gaz.resolve("Bangor")
    assert res.place is None and res.message is None
    assert [c.label for c in res.choices] == ["Bangor, Northern Ireland", "Bangor, Wales"]
    assert [c.nation for c in res.choices] == ["NIR", "WLS"]
    assert res.choices[0].population > res.choices[1].population


@pytest.mark.parametrize(
    "text,nation",
    [
        ("Bangor, Wales", "WLS"),
        ("bangor wales", "WLS"),
        ("Bangor (Cymru)", "WLS"),
        ("Bangor NI", "NIR"),
        ("Bangor, Northern Ireland", "NIR"),
        ("Bangor (N. Ireland)", "NIR"),
    ],
)
def test_nation_qualifier_resolves_directly(gaz, text, nation):
    place = resolved(gaz, text)
    assert place.name == "Bangor" and place.nation == nation


def test_qualifier_with_no_match_says_so(gaz):
    res = gaz.resolve("Bangor, Scotland")
    assert res.place is None
    assert "couldn't find a Bangor in Scotland" in res.message
    assert set(res.suggestions) == {"Bangor, Northern Ireland", "Bangor, Wales"}


def test_brixton_choices_london_first(gaz):
    res = gaz.resolve("Brixton")
    assert res.place is None and len(res.choices) == 2
    london, devon = res.choices
    assert london.population > devon.population
    assert abs(london.latitude - 51.47) < 0.05
    assert london.label == "Brixton, England (near London)"
    assert devon.label == "Brixton, England (near Plymouth)"


def test_place_qualifier_picks_the_nearby_one(gaz):
    place = resolved(gaz, "Brixton, London")
    assert abs(place.latitude - 51.47) < 0.05
    assert resolved(gaz, "brixton plymouth").population < 10_000


def test_newport_choices_are_ordered_and_distinct(gaz):
    res = gaz.resolve("Newport")
    assert res.place is None and len(res.choices) == 6
    pops = [c.population for c in res.choices]
    assert pops == sorted(pops, reverse=True)
    assert res.choices[0].label == "Newport, Wales (near Cardiff)"
    labels = [c.label for c in res.choices]
    assert len(set(labels)) == len(labels)
    wales = gaz.resolve("Newport, Wales")
    assert [c.nation for c in wales.choices] == ["WLS", "WLS"]


def test_vauxhall_is_never_a_silent_guess(gaz):
    # The bundled GeoNames table only has Vauxhall, Liverpool (not London): the label must say where it is.
    res = gaz.resolve("Vauxhall")
    if res.place is not None:
        assert "Liverpool" in res.place.label
    else:
        assert len(res.choices) >= 2
    london = gaz.resolve("Vauxhall, London")
    assert london.place is None or abs(london.place.latitude - 51.49) < 0.05
    if london.place is None:
        assert "couldn't find a Vauxhall near London" in london.message


def test_vauxhall_with_both_in_the_data_gives_choices(tmp_path):
    gaz = _tiny_gazetteer(tmp_path)
    res = gaz.resolve("Vauxhall")
    assert [c.label for c in res.choices] == ["Vauxhall, England (near London)", "Vauxhall, England (near Liverpool)"]
    assert resolved(gaz, "Vauxhall, London").latitude == pytest.approx(51.486)
    assert resolved(gaz, "Vauxhall (near Liverpool)").latitude == pytest.approx(53.421)


@pytest.mark.parametrize("text,first", [("Newcastle", "Newcastle upon Tyne"), ("Stoke", "Stoke-on-Trent")])
def test_short_name_of_a_big_place_is_offered_not_guessed(gaz, text, first):
    res = gaz.resolve(text)
    assert res.place is None and len(res.choices) >= 2
    assert res.choices[0].name == first


@pytest.mark.parametrize("name", ["Bangor", "Brixton", "Newport", "Sutton", "Kennington", "Newcastle", "Stoke"])
def test_every_choice_label_resolves_back_to_its_place(gaz, name):
    for choice in gaz.resolve(name).choices:
        assert gaz.resolve(choice.label).place == choice


def test_all_repeated_names_give_ordered_choices_with_unique_labels(gaz):
    repeated = [k for k, ids in gaz._by_key.items() if len(ids) > 1]
    assert len(repeated) > 100
    for key in repeated:
        res = gaz.resolve(key)
        assert res.place is None and len(res.choices) >= 2, key
        pops = [c.population for c in res.choices]
        assert pops == sorted(pops, reverse=True), key
        labels = [c.label for c in res.choices]
        assert len(set(labels)) == len(labels), labels


def test_small_unique_place_label_names_a_larger_town(gaz):
    place = resolved(gaz, "Newport Pagnell")
    assert place.label == "Newport Pagnell, England (near Milton Keynes)"


# -------------------------------------------------------------------------------------------- lat,lon


@pytest.mark.parametrize("text", ["51.5,-0.12", "51.5 -0.12", "51.5, -0.12", "(51.5, -0.12)", "51.5N 0.12W", "51.5;-0.12"])
def test_latlon(gaz, text):
    place = resolved(gaz, text)
    assert place.kind == "latlon"
    assert (place.latitude, place.longitude) == (51.5, -0.12)
    assert place.name == "51.5,-0.12"
    assert place.nation == "ENG"
    assert place.label.startswith("51.5, -0.12 (")
    assert gaz.resolve(place.label).place == place


@pytest.mark.parametrize("text", ["95,0", "51.5,200", "-91 0"])
def test_latlon_out_of_range(gaz, text):
    res = gaz.resolve(text)
    assert res.place is None and "aren't valid coordinates" in res.message


@pytest.mark.parametrize("text", ["40.7,-74", "48.85,2.35", "0,0"])
def test_latlon_outside_the_uk(gaz, text):
    res = gaz.resolve(text)
    assert res.place is None and "outside the UK" in res.message


def test_latlon_in_ireland_or_at_sea_is_not_the_uk(gaz):
    res = gaz.resolve("53.35,-6.26")  # Dublin: inside the rough box, but not the UK
    assert res.place is None and "not in the UK" in res.message


def test_latlon_swapped_suggests_the_right_order(gaz):
    res = gaz.resolve("-0.12,51.5")
    assert res.place is None and res.suggestions == ("51.5,-0.12",)
    assert "Did you mean 51.5,-0.12?" in res.message


def test_latlon_in_northern_ireland(gaz):
    assert resolved(gaz, "54.6,-5.93").nation == "NIR"


# ------------------------------------------------------------------------------------- unknown input


@pytest.mark.parametrize(
    "text", ["xyzzy", "", "   ", "NEAR(", "😀", "🏳️‍🌈", "'; DROP TABLE place; --", "\x00\x1f", "ñ" * 500, "((((", "12345", "-", "SE1 7TP London please"]
)
def test_garbage_gives_a_message_not_an_exception(gaz, text):
    res = gaz.resolve(text)
    assert res.place is None and not res.choices
    assert res.message and ("Try" in res.message or "Did you mean" in res.message or "Type" in res.message)


def test_not_a_string_gives_a_message(gaz):
    res = gaz.resolve(None)  # type: ignore[arg-type]
    assert res.place is None and res.message


def test_misspelt_place_suggests_the_right_one(gaz):
    res = gaz.resolve("Brigton")
    assert res.place is None
    assert res.message.startswith("We couldn't find “Brigton”. Did you mean Brighton")
    assert res.suggestions[0] == "Brighton"


@pytest.mark.parametrize("text,expected", [("Manchster", "Manchester"), ("Edinborough", "Edinburgh"), ("Newport Pagnel", "Newport Pagnell")])
def test_suggestions(gaz, text, expected):
    assert expected in gaz.resolve(text).suggestions


@pytest.mark.parametrize("text", ["Brigton", "Kingston", "Brixton Devon", "Manchster", "BX1", "Newport, Scotland"])
def test_every_suggestion_resolves(gaz, text):
    res = gaz.resolve(text)
    assert res.suggestions
    for suggestion in res.suggestions:
        found = gaz.resolve(suggestion)
        assert found.place is not None or found.choices, suggestion


def test_unknown_qualifier_offers_the_places_of_that_name(gaz):
    res = gaz.resolve("Brixton Devon")
    assert res.place is None
    assert "Brixton, England (near Plymouth)" in res.suggestions


def test_messages_are_british(gaz):
    texts = [gaz.resolve(t).message or "" for t in ["xyzzy", "BX1", "95,0", "40.7,-74", "SE1 7CI", ""]]
    joined = " ".join(texts).lower()
    for american in ("center", "recognize", "zip", "color"):
        assert american not in joined


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=60))
def test_resolve_never_raises(gaz, text):
    res = gaz._resolve(text)  # without the safety net in resolve()
    assert isinstance(res, Resolution) and _shape_ok(res)
    assert gaz.resolve(text) == res
    gaz.complete(text)
    gaz.outcode_of(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.from_regex(r"[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}", fullmatch=True),
        st.from_regex(r"[A-Za-z]{1,2}[0-9][A-Za-z0-9]?", fullmatch=True),
        st.from_regex(r"\(?-?[0-9]{1,3}(\.[0-9]{0,6})? ?[NSEW]?[, ;]+-?[0-9]{1,3}(\.[0-9]{0,6})?[NSEW]?\)?", fullmatch=True),
    )
)
def test_postcode_and_coordinate_shapes_never_raise(gaz, text):
    res = gaz._resolve(text)
    assert _shape_ok(res)
    if res.place is not None and res.place.kind in ("postcode", "district"):
        assert res.place.outcode == gaz.outcode_of(text)


# ---------------------------------------------------------------------------------------------- distances


def test_london_to_brighton(gaz):
    london, brighton = resolved(gaz, "London"), resolved(gaz, "Brighton")
    miles = distance_miles(london.latitude, london.longitude, brighton.latitude, brighton.longitude)
    assert miles == pytest.approx(47, abs=3)
    assert miles_to_km(miles) == pytest.approx(miles * 1.609344)


def test_distance_basics():
    assert distance_miles(51.5, -0.1, 51.5, -0.1) == 0
    a = distance_miles(51.5, -0.12, 55.95, -3.19)  # London to Edinburgh
    assert a == pytest.approx(332, abs=10)
    assert a == pytest.approx(distance_miles(55.95, -3.19, 51.5, -0.12))
    assert miles_to_km(1) == pytest.approx(1.609344)


def _destination(lat: float, lon: float, bearing: float, miles: float) -> tuple[float, float]:
    d = miles / geo.EARTH_RADIUS_MILES
    p1, l1, b = math.radians(lat), math.radians(lon), math.radians(bearing)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), math.degrees(l2)


@given(
    lat=st.floats(49, 61),
    lon=st.floats(-9, 2.5),
    radius=st.floats(0.1, 200),
    bearing=st.floats(0, 360),
    fraction=st.floats(0, 1),
)
def test_bounding_box_contains_every_point_within_radius(lat, lon, radius, bearing, fraction):
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius)
    plat, plon = _destination(lat, lon, bearing, radius * fraction)
    assert distance_miles(lat, lon, plat, plon) <= radius * 1.000001
    assert min_lat <= plat <= max_lat
    assert min_lon <= plon <= max_lon


def test_bounding_box_is_tight():
    min_lat, max_lat, min_lon, max_lon = bounding_box(51.5, -0.12, 10)
    assert min_lat < 51.5 < max_lat and min_lon < -0.12 < max_lon
    assert (max_lat - min_lat) / 2 == pytest.approx(10 / 69.09, rel=0.01)
    # Corners of the box are outside the circle: it is a prefilter, not the answer.
    assert distance_miles(51.5, -0.12, max_lat, max_lon) > 10


@pytest.mark.parametrize(
    "miles,text",
    [
        (0.4, "0.4 miles (0.6 km)"),
        (12, "12 miles (19 km)"),
        (2.1, "2.1 miles (3.4 km)"),
        (9.96, "10 miles (16 km)"),
        (6.3, "6.3 miles (10 km)"),
        (0.01, "less than 0.1 miles (less than 0.2 km)"),
        (float("nan"), "distance unknown"),
    ],
)
def test_format_distance(miles, text):
    assert format_distance(miles) == text


def test_format_distance_rejects_negative():
    with pytest.raises(ValueError):
        format_distance(-1)


# --------------------------------------------------------------------------------------------- complete


def test_complete_brig_includes_brighton_first(gaz):
    out = gaz.complete("brig")
    assert out[0] == "Brighton"
    assert gaz.complete("Brig") == out


def test_complete_districts(gaz):
    out = gaz.complete("se1")
    assert out[0] == "SE1" and "SE17" in out
    assert "BN3" in gaz.complete("bn", limit=20)


def test_complete_repeated_names_complete_to_resolvable_labels(gaz):
    out = gaz.complete("bangor")
    assert out[:2] == ["Bangor, Northern Ireland", "Bangor, Wales"]
    for item in out:
        assert gaz.resolve(item).place is not None


def test_complete_prefix_matches_come_first_then_word_matches(gaz):
    assert gaz.complete("st. alb")[0] == "St Albans"
    assert "St Albans" in gaz.complete("albans")
    out = gaz.complete("man")
    assert out[0] == "Manchester"


def test_complete_limit_and_nothing(gaz):
    assert len(gaz.complete("s", limit=5)) == 5
    assert gaz.complete("") == []
    assert gaz.complete("xyzzyq") == []
    assert gaz.complete("brig", limit=0) == []


# --------------------------------------------------------------------------------------------- helpers


def _tiny_gazetteer(tmp_path: Path) -> Gazetteer:
    (tmp_path / "gb_places.csv").write_text(
        "geonameid,name,nation,latitude,longitude,population\n"
        "1,London,ENG,51.50853,-0.12574,8961989\n"
        "2,Liverpool,ENG,53.41058,-2.97794,864122\n"
        "3,Vauxhall,ENG,51.486,-0.123,20000\n"
        "4,Vauxhall,ENG,53.421,-2.98974,4821\n"
        "5,Dhekelia,,34.98431,33.73379,10000\n"
        "6,Broken,ENG,not-a-number,0,1\n",
        encoding="utf-8",
    )
    (tmp_path / "uk_outcodes.csv").write_text(
        "outcode,latitude,longitude\nSE11,51.488,-0.111\nL3,53.41,-2.99\nBAD,x,y\n", encoding="utf-8"
    )
    return Gazetteer.load(tmp_path)


def test_tiny_gazetteer_skips_bad_rows(tmp_path):
    gaz = _tiny_gazetteer(tmp_path)
    assert gaz.resolve("Dhekelia").place is None
    assert gaz.resolve("Broken").place is None
    assert [d[0] for d in gaz.districts()] == ["L3", "SE11"]
