"""Only public data leaves the server: no referral log, change history or editors, no assurer's email; retired
and closed services are not listed; demo services only with --include-demo, and then marked and said."""
from __future__ import annotations

import json

from tests.api.api_data import NOT_PUBLISHED, SECRET_ASSURER, SECRET_EDITOR, sid
from tests.api.servers import app_client
from ketdir.api.web import ServeOptions

ENDPOINTS = ["/", "/openapi.json", "/services", "/service_at_locations", "/organizations", "/taxonomies",
             "/taxonomy_terms"]


def everything(client) -> str:
    """Every answer of the API, every list in full and every item, as one text."""
    texts = []
    for path in ENDPOINTS:
        for params in ({"per_page": 500}, {"per_page": 500, "full": "true"}, {"per_page": 500, "full_service": "true"}):
            body = client.get(path, params=params).json()
            texts.append(json.dumps(body))
            for item in body.get("contents", []):
                texts.append(client.get(f"{path}/{item['id']}", params={"full_service": "true"}).text)
    return "\n".join(texts)


def test_no_editor_assurer_or_referral_ever_leaves_the_server(client):
    text = everything(client)
    assert SECRET_EDITOR not in text and SECRET_ASSURER not in text
    assert "assurer_email" not in text
    for word in ("ketdir_change", "ketdir_referral", "logged_at", "ketdir_import", "version_id"):
        assert word not in text
    assert client.get("/services/" + sid("Leeds Counselling")).json()["name"] == "Leeds Counselling"


def test_retired_closed_and_demo_services_are_not_published(client):
    text = everything(client)
    for name in NOT_PUBLISHED:
        assert name not in text
        assert client.get("/services/" + sid(name)).status_code == 404
    assert client.get("/services/" + sid("Temporarily Closed Clinic")).json()["status"] == "temporarily closed"
    found = client.get("/services", params={"search": "ketamine"}).json()["contents"]
    assert "Retired Ketamine Service" not in {s["name"] for s in found}
    assert "Ketamine Bladder Clinic" in {s["name"] for s in found}


def test_with_include_demo_the_demo_services_are_published_marked_and_the_api_says_so(published_url, client):
    assert "notice" not in client.get("/").json()
    with app_client(published_url, ServeOptions(include_demo=True)) as demo:
        notice = demo.get("/").json()["notice"]
        assert "demo services" in notice and "not real" in notice
        assert "demo services" in demo.get("/openapi.json").json()["info"]["description"]
        service = demo.get("/services/" + sid("Demo Training Service")).json()
        marks = [a for a in service["attributes"] if a["taxonomy_term"]["name"] == "service.is_demo"]
        assert [m["value"] for m in marks] == ["true"]
        names = {s["name"] for s in demo.get("/services", params={"per_page": 500}).json()["contents"]}
        assert "Demo Training Service" in names and "Retired Ketamine Service" not in names
