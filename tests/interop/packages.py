"""Small HSDS datapackages written on the fly, for tests that change a source between imports."""
from __future__ import annotations

import csv
from pathlib import Path

from ketdir.store.models import stable_id

ORG = stable_id("test-org", "one")


def sid(n: int) -> str:
    return stable_id("test-service", str(n))


def write_package(folder: Path, services: list[dict], *, extra_terms: bool = False, places: bool = False) -> Path:
    """A small HSDS datapackage: one organisation, services with a phone each; optionally taxonomy terms,
    and (places=True) a location with an address for each service (postcode from s["postcode"])."""
    folder.mkdir(parents=True, exist_ok=True)

    def write(name: str, header: list[str], rows: list[list]) -> None:
        with (folder / name).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)

    write("organizations.csv", ["id", "name", "description"], [[ORG, "Test Trust", "A test organisation"]])
    write("services.csv", ["id", "organization_id", "name", "description", "status", "assured_date"],
          [[s["id"], ORG, s["name"], s.get("description", ""), "active", "2026-10-01"] for s in services])
    write("phones.csv", ["id", "service_id", "number"],
          [[stable_id(s["id"], "phone"), s["id"], s.get("phone", "020 7946 0000")] for s in services])
    if places:
        write("locations.csv", ["id", "organization_id", "location_type", "name"],
              [[stable_id(s["id"], "loc"), ORG, "physical", s["name"]] for s in services])
        write("addresses.csv", ["id", "location_id", "address_1", "city", "postal_code", "country", "address_type"],
              [[stable_id(s["id"], "addr"), stable_id(s["id"], "loc"), "1 Test Street", "Leeds",
                s.get("postcode", "LS1 1AA"), "GB", "physical"] for s in services])
        write("service_at_location.csv", ["id", "service_id", "location_id"],
              [[stable_id(s["id"], "sal"), s["id"], stable_id(s["id"], "loc")] for s in services])
    if extra_terms:
        write("taxonomies.csv", ["id", "name", "description"],
              [[stable_id("oe"), "Open Eligibility", "Open Eligibility human services"]])
        write("taxonomy_terms.csv", ["id", "code", "name", "description", "taxonomy", "taxonomy_id"],
              [[stable_id("oe", "sd"), "", "Substance Dependency", "", "Open Eligibility", stable_id("oe")],
               [stable_id("oe", "mh"), "", "Mental Health Care", "", "Open Eligibility", stable_id("oe")],
               [stable_id("oe", "x"), "", "Something Else", "", "Open Eligibility", stable_id("oe")]])
        write("attributes.csv", ["id", "link_id", "taxonomy_term_id", "link_type", "link_entity"],
              [[stable_id(s["id"], "attr", t), s["id"], stable_id("oe", t), "service", "service"]
               for s in services for t in s.get("terms", [])])
    return folder


def services(n: int, renamed: dict[int, str] | None = None) -> list[dict]:
    renamed = renamed or {}
    return [{"id": sid(i), "name": renamed.get(i, f"Service {i}")} for i in range(n)]
