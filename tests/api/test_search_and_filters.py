"""The parameters of the profile do what they say: search is ketdir's own (slang, need types, spelling), the
filters by term, taxonomy, organisation and date, minimal and full, and nearness by postcode or lat,lon."""
from __future__ import annotations

from ketdir.interop.extensions import TAXONOMY_ID as KETDIR_TAXONOMY
from ketdir.needs import TAXONOMY_NAME
from ketdir.store.records import need_term_id
from tests.api.api_data import EXAMPLE_SERVICE_ID, PUBLISHED, sid


def names(page) -> list[str]:
    return [item["name"] for item in page["contents"]]


def test_search_reads_slang_and_need_types_as_the_window_does(client):
    bladder = names(client.get("/services", params={"search": "ket bladder"}).json())
    assert bladder[0] == "Ketamine Bladder Clinic"  # "ket" -> ketamine, "bladder" -> Bladder & urology
    chems = names(client.get("/services", params={"search": "chems"}).json())
    assert "Brighton Chemsex Support" in chems
    assert "Ketamine Bladder Clinic" in names(client.get("/services", params={"search": "bladdr"}).json())
    national = names(client.get("/services", params={"search": "ketamine"}).json())
    assert national.index("National Ketamine Line") > national.index("Ketamine Bladder Clinic")  # lines after local


def test_a_search_pages_through_its_matches(client):
    whole = names(client.get("/services", params={"search": "ketamine", "per_page": 500}).json())
    pages = [names(client.get("/services", params={"search": "ketamine", "per_page": 1, "page": n}).json())
             for n in range(1, len(whole) + 2)]
    assert [n for page in pages for n in page] == whole and pages[-1] == []


def test_filters_by_need_type_taxonomy_organisation_and_date(client):
    term = need_term_id("sexual-health")
    listed = set(names(client.get("/services", params={"taxonomy_term_id": term, "per_page": 500}).json()))
    assert listed == {"Brighton Chemsex Support", "Bristol Sexual Health Clinic", "Temporarily Closed Clinic"}
    needs = client.get("/taxonomy_terms", params={"search": "sexual health"}).json()["contents"]
    assert [t["id"] for t in needs if t["taxonomy"] == TAXONOMY_NAME] == [term]
    need_taxonomy = needs[0]["taxonomy_id"]
    with_needs = set(names(client.get("/services", params={"taxonomy_id": need_taxonomy, "per_page": 500}).json()))
    assert with_needs == set(PUBLISHED)
    org = client.get("/services/" + sid("Ketamine Bladder Clinic")).json()["organization_id"]
    by_org = client.get("/services", params={"organization_id": org}).json()
    assert set(names(by_org)) == {"Ketamine Bladder Clinic", "Ketamine Care Drop-in"}
    recent = client.get("/services", params={"modified_after": "2026-11-01"}).json()
    assert set(names(recent)) == {"Brighton Chemsex Support", "National Ketamine Line"}
    same = client.get("/services", params={"modified_after": "2026-11-20T15:30:00Z"}).json()
    assert names(same) == names(recent)  # "on or after"
    assert client.get("/services", params={"modified_after": "2026-11-20T16:30:00+01:00"}).json()["total_items"] == 2
    assert client.get("/services", params={"modified_after": "2026-11-20T15:31:00Z"}).json()["total_items"] == 0
    both = client.get("/services", params={"search": "chems", "modified_after": "2026-11-01"}).json()
    assert names(both) == ["Brighton Chemsex Support"]


def test_minimal_is_ids_and_dates_all_in_one_page(client):
    page = client.get("/services", params={"minimal": "true"}).json()
    assert page["total_pages"] == 1 and page["size"] == len(PUBLISHED) + 1
    assert all(set(s) <= {"id", "name", "status", "last_modified"} for s in page["contents"])
    assert all(s["last_modified"].endswith("Z") for s in page["contents"])


def test_service_at_locations_near_a_postcode_nearest_first_and_within_a_distance(client):
    near_se1 = client.get("/service_at_locations", params={"postcode": "SE1 7TP"}).json()
    services = [s["service"]["name"] for s in near_se1["contents"]]
    assert services[:2] == ["Ketamine Bladder Clinic", "Ketamine Care Drop-in"]
    assert services.index("Temporarily Closed Clinic") < services.index("Glasgow Harm Reduction")
    within = client.get("/service_at_locations", params={"postcode": "SE1", "proximity": "5000"}).json()
    assert {s["service"]["name"] for s in within["contents"]} == {
        "Ketamine Bladder Clinic", "Ketamine Care Drop-in", "Temporarily Closed Clinic"}
    by_lat_lon = client.get("/service_at_locations", params={"postcode": "53.48,-2.24", "proximity": "2000"}).json()
    assert [s["service"]["name"] for s in by_lat_lon["contents"]] == ["Manchester Drug Service"]
    searched = client.get("/service_at_locations", params={"search": "ketamine", "postcode": "M1"}).json()
    # the search's matches with a place (national lines have none), nearest to Manchester first
    assert [s["service"]["name"] for s in searched["contents"]] == ["Ketamine Care Drop-in", "Ketamine Bladder Clinic"]


def test_service_at_location_lists_and_full(client):
    plain = client.get("/service_at_locations", params={"per_page": 500}).json()["contents"]
    assert all(s["location"]["id"] == s["location_id"] and "addresses" not in s["location"] for s in plain)
    full = client.get("/service_at_locations", params={"per_page": 500, "full": "true"}).json()["contents"]
    assert all(s["location"]["addresses"] for s in full if s["service_id"] != EXAMPLE_SERVICE_ID)
    one = client.get("/service_at_locations/" + full[0]["id"]).json()
    assert one == full[0]


def test_organisations_with_their_services(client):
    orgs = client.get("/organizations", params={"search": "ketamine care"}).json()["contents"]
    assert [o["name"] for o in orgs] == ["Ketamine Care Trust"]
    org = client.get("/organizations/" + orgs[0]["id"]).json()
    assert sorted(s["name"] for s in org["services"]) == ["Ketamine Bladder Clinic", "Ketamine Care Drop-in"]
    assert "phones" not in org["services"][0]
    full = client.get("/organizations/" + orgs[0]["id"], params={"full_service": "true"}).json()
    assert full["services"][0]["phones"]
    demo_org = client.get("/services", params={"search": "Demo Training"}).json()
    assert demo_org["total_items"] == 0


def test_taxonomies_and_terms_include_ketdirs_own_fields(client):
    taxonomies = client.get("/taxonomies").json()["contents"]
    assert {t["name"] for t in taxonomies} >= {TAXONOMY_NAME, "ketdir"}
    own = client.get("/taxonomies/" + KETDIR_TAXONOMY).json()
    assert "phone.verified" in {t["name"] for t in own["taxonomy_terms"]}
    unverified = client.get("/services/" + sid("Bristol Sexual Health Clinic")).json()["phones"][0]["attributes"][0]
    term = client.get("/taxonomy_terms/" + unverified["taxonomy_term_id"]).json()
    assert term["name"] == "phone.verified" and term["taxonomy_detail"]["name"] == "ketdir"
    top = client.get("/taxonomy_terms", params={"top_only": "true", "taxonomy_id": KETDIR_TAXONOMY}).json()
    assert top["total_items"] == len(own["taxonomy_terms"])
