"""What a client can get wrong gets a JSON error with the right status and a message saying what to change;
nothing a client sends reaches SQL as text (the directory is intact after every attempt)."""
from __future__ import annotations

import pytest

from tests.api.api_data import PUBLISHED
from tests.api.oruk_check import Profile


def error(response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status"] == status and body["error"] and body["message"]
    return body["message"]


@pytest.mark.parametrize("params,says", [
    ({"page": "0"}, "page must be from 1"),
    ({"page": "-3"}, "page must be from 1"),
    ({"page": "two"}, "page must be a whole number"),
    ({"page": "1.5"}, "page must be a whole number"),
    ({"page": ""}, "page must be a whole number"),
    ({"page": "99999999999999999999"}, "page must be a whole number"),
    ({"per_page": "0"}, "per_page must be from 1 to 500"),
    ({"per_page": "501"}, "per_page must be from 1 to 500"),
    ({"per_page": "ten"}, "per_page must be a whole number"),
    ({"minimal": "true", "per_page": "10001"}, "per_page must be from 1 to 10,000"),
    ({"modified_after": "yesterday"}, "modified_after must be a date"),
    ({"modified_after": "2026-13-40"}, "modified_after must be a date"),
    ({"modified_after": "0001-01-01T00:00:00+05:00"}, "modified_after is out of range"),
    ({"full": "maybe"}, "full must be true or false"),
    ({"full": ""}, "full must be true or false"),
    ({"format": "ndjson"}, "json only"),
    ({"search": "x" * 201}, "search is too long"),
    ({"search": "ket\x00bladder"}, "control characters"),
    ({"organization_id": "a" * 65}, "not an id of this directory"),
])
def test_bad_list_parameters_are_a_400_that_says_why(client, params, says):
    assert says in error(client.get("/services", params=params), 400)


@pytest.mark.parametrize("params,says", [
    ({"proximity": "1000"}, "proximity needs a postcode"),
    ({"postcode": "SE1", "proximity": "-5"}, "proximity must be a distance in metres"),
    ({"postcode": "SE1", "proximity": "nan"}, "proximity must be a distance in metres"),
    ({"postcode": "SE1", "proximity": "1e12"}, "at most 1,000,000"),
    ({"postcode": "Bangor"}, "could be more than one place"),
    ({"postcode": "Nowhereville Xyz"}, ""),
])
def test_a_place_that_cannot_be_used_is_a_400(client, params, says):
    assert says in error(client.get("/service_at_locations", params=params), 400)


@pytest.mark.parametrize("path", ["/services/{}", "/service_at_locations/{}", "/organizations/{}",
                                  "/taxonomies/{}", "/taxonomy_terms/{}"])
@pytest.mark.parametrize("item_id", ["00000000-0000-0000-0000-000000000000", "' OR 1=1 --", "a" * 300, "%00"])
def test_an_unknown_id_is_a_404(client, path, item_id):
    message = error(client.get(path.format(item_id)), 404)
    assert "id" in message


def test_an_address_that_is_not_part_of_the_api_is_a_json_404_and_writing_is_refused(client):
    assert "GET /" in error(client.get("/referrals"), 404)
    assert "read-only" in error(client.post("/services", json={"name": "x"}), 405)
    assert "read-only" in error(client.delete("/services/x"), 405)


def test_what_looks_like_sql_is_only_ever_searched_for(client):
    for attempt in ("'; DROP TABLE service; --", "\" OR \"\"=\"", "% _ \\", "*", "NEAR(ket bladder)"):
        response = client.get("/services", params={"search": attempt, "organization_id": attempt})
        assert response.status_code == 200, response.text
        assert response.json()["total_items"] == 0
        assert client.get("/organizations", params={"search": attempt}).status_code == 200
    assert client.get("/organizations", params={"search": "%"}).json()["total_items"] == 0  # % is a percent sign
    everything = client.get("/services", params={"per_page": 500}).json()
    assert len(everything["contents"]) == len(PUBLISHED) + 1


def test_the_errors_match_the_served_openapi_document(client):
    profile = Profile(client.get("/openapi.json").json())
    assert profile.errors("/services", client.get("/services", params={"page": "0"}).json(), "400") == []
    assert profile.errors("/services/{id}", client.get("/services/nope").json(), "404") == []
