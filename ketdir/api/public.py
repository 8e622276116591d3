"""What leaves the server: which services are published, and the fields of a record that are not public.

Published: a service whose status is not retired ("inactive") or closed for good ("defunct"), and not a
demo record unless the server was started with --include-demo. Never published: the referral log, the change
history (editor names), the import bookkeeping, and `assurer_email` (who checked the record: a person on the
team, not a way to reach the service). Everything else the HSDS export writes is public directory content.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, false, select

from ketdir.store.models import Attribute, Service, TaxonomyTerm

HIDDEN_STATUSES = ("inactive", "defunct")
PRIVATE_FIELDS = {"service": ("assurer_email",)}


def published(include_demo: bool) -> list[ColumnElement[bool]]:
    """SQL conditions on `service` for the services this server publishes."""
    conditions = [Service.status.not_in(HIDDEN_STATUSES)]
    if not include_demo:
        conditions.append(Service.is_demo == false())
    return conditions


def is_published(service: dict[str, Any], include_demo: bool) -> bool:
    """The same test as `published`, of a service row already read."""
    return service["status"] not in HIDDEN_STATUSES and (include_demo or not service["is_demo"])


def with_term(term_id: str) -> ColumnElement[bool]:
    """Services with this taxonomy term (need types are terms too)."""
    return Service.id.in_(select(Attribute.link_id).where(Attribute.taxonomy_term_id == term_id))


def with_taxonomy(taxonomy_id: str) -> ColumnElement[bool]:
    """Services with any term of this taxonomy."""
    return Service.id.in_(
        select(Attribute.link_id).join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .where(TaxonomyTerm.taxonomy_id == taxonomy_id))


def service_object(obj: dict[str, Any]) -> dict[str, Any]:
    """A service object (one-to-one or fully nested) as the profile has it: private fields gone, and the fees
    text also under the Open Referral UK name `fees` (HSDS 3.0 calls it `fees_description`)."""
    for name in PRIVATE_FIELDS["service"]:
        obj.pop(name, None)
    if "fees_description" in obj:
        obj["fees"] = obj["fees_description"]
    return obj
