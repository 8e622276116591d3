"""Conformance to the Open Referral UK 3.0 profile, as its validator judges an API: `/`, every list endpoint
paginated through (and one page past the end), every item endpoint with every id the lists gave, each answer
validated against the profile's schemas; on SQLite and PostgreSQL."""
from __future__ import annotations

import json

import pytest

from ketdir.interop.export import services_as_json
from ketdir.store.engine import open_directory
from tests.api.api_data import EXAMPLE_SERVICE_ID, ORUK, PUBLISHED
from tests.api.oruk_check import LISTS, Profile, page_problems

ITEM_PATHS = {"/services": "/services/{id}", "/service_at_locations": "/service_at_locations/{id}",
              "/organizations": "/organizations/{id}", "/taxonomies": "/taxonomies/{id}",
              "/taxonomy_terms": "/taxonomy_terms/{id}"}
VARIANTS = [("/services", {}), ("/services", {"full": "true"}), ("/services", {"minimal": "true"}),
            ("/service_at_locations", {}), ("/service_at_locations", {"full": "true"}),
            ("/organizations", {}), ("/organizations", {"full": "true"}), ("/organizations", {"full_service": "true"}),
            ("/taxonomies", {}), ("/taxonomy_terms", {})]


@pytest.fixture(scope="module")
def profile(client) -> Profile:
    return Profile(client.get("/openapi.json").json())


def walk(client, profile: Profile, path: str, params: dict, per_page: int) -> list[dict]:
    """Every page of a list, and the page after the last; fails on any schema or pagination problem."""
    items, total, number = [], None, 1
    while True:
        response = client.get(path, params={**params, "page": number, "per_page": per_page})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json")
        page = response.json()
        assert profile.errors(path, page) == [], f"{path} {params} page {number}"
        assert page_problems(page, number, per_page, total) == []
        total = page["total_items"]
        items += page["contents"]
        if number > page["total_pages"]:
            assert page["contents"] == [] and page["last_page"] and not page["first_page"] or number == 1
            return items
        number += 1


def test_base_url_answers_api_details(client):
    body = client.get("/").json()
    schema = json.loads((ORUK / "api_details.json").read_text())
    from jsonschema import Draft202012Validator

    assert list(Draft202012Validator(schema).iter_errors(body)) == []
    assert body["version"] == "HSDS-UK-3.0"
    assert body["openapi_url"] == "http://testserver/openapi.json"
    document = client.get("/openapi.json").json()
    assert document["info"]["version"] == "HSDS-UK-3.0"
    assert set(ITEM_PATHS) | set(ITEM_PATHS.values()) | {"/"} == set(document["paths"])


@pytest.mark.parametrize("path,params", VARIANTS, ids=[f"{p}{'?' + '&'.join(q) if q else ''}" for p, q in VARIANTS])
def test_every_page_of_every_list_is_valid_and_agrees(client, profile, path, params):
    items = walk(client, profile, path, params, per_page=3)
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)), "an item on two pages"
    whole = client.get(path, params={**params, "per_page": 500}).json()
    assert [i["id"] for i in whole["contents"]] == ids, "pages in the same order as one big page"
    if path == "/organizations":
        for item in items:  # the profile's own schema for one organisation of the list
            assert profile.item_errors("organization_list.json", item) == []


@pytest.mark.parametrize("path", LISTS)
def test_every_item_endpoint_answers_for_every_listed_id(client, profile, path):
    ids = [i["id"] for i in client.get(path, params={"per_page": 500}).json()["contents"]]
    assert ids
    item_path = ITEM_PATHS[path]
    for item_id in ids:
        response = client.get(item_path.replace("{id}", item_id))
        assert response.status_code == 200, response.text
        assert profile.errors(item_path, response.json()) == [], f"{item_path} {item_id}"
        assert response.json()["id"] == item_id


def test_services_are_the_published_ones_nested_as_the_json_export_nests_them(client, published_url):
    names = {s["name"] for s in client.get("/services", params={"per_page": 500}).json()["contents"]}
    assert names == set(PUBLISHED) | {"Community Counselling"}  # with the HSDS example service
    example = client.get(f"/services/{EXAMPLE_SERVICE_ID}").json()
    location = example["service_at_locations"][0]["location"]
    assert location["addresses"][0]["postal_code"] and location["accessibility"]
    assert example["contacts"] and example["schedules"][0]["byday"] and example["organization"]["name"]
    assert example["fees"] == example["fees_description"]
    directory = open_directory(published_url)
    try:
        with directory.session() as session:
            exported = {s["id"]: s for s in services_as_json(session)}
    finally:
        directory.close()
    for service in client.get("/services", params={"full": "true", "per_page": 500}).json()["contents"]:
        expected = dict(exported[service["id"]], fees=exported[service["id"]].get("fees_description"))
        expected.pop("assurer_email", None)
        if expected["fees"] is None:
            del expected["fees"]
        assert service == expected, service["name"]
    listed = next(s for s in client.get("/services", params={"full": "true", "per_page": 500}).json()["contents"]
                  if s["id"] == EXAMPLE_SERVICE_ID)
    assert listed == example


def test_an_empty_list_has_no_pages(client, profile):
    page = client.get("/services", params={"search": "zzzzqqqq nothing like this"}).json()
    assert profile.errors("/services", page) == []
    assert page["total_items"] == 0 and page["total_pages"] == 0 and page["empty"]
    assert page["first_page"] and page["last_page"] and page["size"] == 0
