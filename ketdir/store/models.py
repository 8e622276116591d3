"""SQLAlchemy 2 models: the HSDS 3.0 subset ketdir uses, plus ketdir's own tables.

Table and column names follow HSDS 3.0 (see data/hsds/fields.csv) so that import and export are a
mapping, not a translation. Ids are HSDS string UUIDs. Columns that HSDS does not have are marked
"ketdir:" in their comment; export writes them as attributes or leaves them out.
"""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

KETDIR_NAMESPACE = uuid.UUID("6f1c0b7e-5a0e-4c1b-9a57-6b6574646972")


def stable_id(*parts: str) -> str:
    """A deterministic HSDS id (UUID 5) from a readable key, e.g. stable_id("need", "chemsex")."""
    return str(uuid.uuid5(KETDIR_NAMESPACE, "/".join(parts)))


def new_id() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    pass


class Organization(Base):
    __tablename__ = "organization"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(Text)
    alternate_name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(Text)

    services: Mapped[list[Service]] = relationship(back_populates="organization")


class Service(Base):
    __tablename__ = "service"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    alternate_name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32), default="active")
    interpretation_services: Mapped[str | None] = mapped_column(Text)
    application_process: Mapped[str | None] = mapped_column(Text)
    fees_description: Mapped[str | None] = mapped_column(Text)
    eligibility_description: Mapped[str | None] = mapped_column(Text)
    minimum_age: Mapped[float | None] = mapped_column(Float)
    maximum_age: Mapped[float | None] = mapped_column(Float)
    assured_date: Mapped[dt.date | None] = mapped_column(Date)
    assurer_email: Mapped[str | None] = mapped_column(Text)
    alert: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # ketdir: a training record, never a real service ("Demo — not a real service").
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # ketdir: where a person checked this record (URL of the provider's own page).
    source_url: Mapped[str | None] = mapped_column(Text)
    # ketdir: "closed" (default) or "open" — whether weekly hours also apply on bank holidays.
    bank_holidays: Mapped[str] = mapped_column(String(16), default="closed")
    # ketdir: UK nation whose bank holidays apply (ENG, WLS, SCT, NIR); national lines use ENG.
    nation: Mapped[str] = mapped_column(String(3), default="ENG")
    # ketdir: optimistic locking; bumped on every edit.
    version: Mapped[int] = mapped_column(Integer, default=1)

    organization: Mapped[Organization | None] = relationship(back_populates="services")
    phones: Mapped[list[Phone]] = relationship(back_populates="service", cascade="all, delete-orphan")
    schedules: Mapped[list[Schedule]] = relationship(back_populates="service", cascade="all, delete-orphan")
    service_at_locations: Mapped[list[ServiceAtLocation]] = relationship(
        back_populates="service", cascade="all, delete-orphan"
    )
    service_areas: Mapped[list[ServiceArea]] = relationship(back_populates="service", cascade="all, delete-orphan")
    languages: Mapped[list[Language]] = relationship(back_populates="service", cascade="all, delete-orphan")
    cost_options: Mapped[list[CostOption]] = relationship(back_populates="service", cascade="all, delete-orphan")
    contacts: Mapped[list[Contact]] = relationship(back_populates="service", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class Location(Base):
    __tablename__ = "location"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organization.id"), index=True)
    location_type: Mapped[str] = mapped_column(String(16), default="physical")
    url: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    alternate_name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    transportation: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)

    organization: Mapped[Organization | None] = relationship()
    addresses: Mapped[list[Address]] = relationship(back_populates="location", cascade="all, delete-orphan")
    accessibility: Mapped[list[Accessibility]] = relationship(back_populates="location", cascade="all, delete-orphan")


class ServiceAtLocation(Base):
    __tablename__ = "service_at_location"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[str] = mapped_column(ForeignKey("location.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)

    service: Mapped[Service] = relationship(back_populates="service_at_locations")
    location: Mapped[Location] = relationship()


class Address(Base):
    __tablename__ = "address"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    location_id: Mapped[str | None] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"), index=True)
    attention: Mapped[str | None] = mapped_column(Text)
    address_1: Mapped[str] = mapped_column(Text)
    address_2: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    state_province: Mapped[str | None] = mapped_column(Text)
    postal_code: Mapped[str] = mapped_column(Text)
    country: Mapped[str] = mapped_column(String(2), default="GB")
    address_type: Mapped[str] = mapped_column(String(16), default="physical")

    location: Mapped[Location] = relationship(back_populates="addresses")


class Phone(Base):
    __tablename__ = "phone"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    location_id: Mapped[str | None] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organization.id"))
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contact.id", ondelete="CASCADE"))
    service_at_location_id: Mapped[str | None] = mapped_column(ForeignKey("service_at_location.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(Text)
    extension: Mapped[float | None] = mapped_column(Float)
    type: Mapped[str | None] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(Text)
    # ketdir: False when no source confirmed the number ("unverified — check before giving out").
    verified: Mapped[bool] = mapped_column(Boolean, default=True)

    service: Mapped[Service | None] = relationship(back_populates="phones")


class Schedule(Base):
    __tablename__ = "schedule"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[str | None] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
    service_at_location_id: Mapped[str | None] = mapped_column(ForeignKey("service_at_location.id", ondelete="CASCADE"))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    dtstart: Mapped[dt.date | None] = mapped_column(Date)
    timezone: Mapped[float | None] = mapped_column(Float)
    until: Mapped[dt.date | None] = mapped_column(Date)
    count: Mapped[int | None] = mapped_column(Integer)
    wkst: Mapped[str | None] = mapped_column(String(2))
    freq: Mapped[str | None] = mapped_column(String(8))
    interval: Mapped[int | None] = mapped_column(Integer)
    byday: Mapped[str | None] = mapped_column(String(64))
    byweekno: Mapped[str | None] = mapped_column(Text)
    bymonthday: Mapped[str | None] = mapped_column(Text)
    byyearday: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    opens_at: Mapped[str | None] = mapped_column(String(8))  # "HH:MM" or "HH:MM:SS", local time
    closes_at: Mapped[str | None] = mapped_column(String(8))
    schedule_link: Mapped[str | None] = mapped_column(Text)
    attending_type: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)

    service: Mapped[Service | None] = relationship(back_populates="schedules")


class Taxonomy(Base):
    __tablename__ = "taxonomy"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    uri: Mapped[str | None] = mapped_column(Text)
    version: Mapped[str | None] = mapped_column(Text)


class TaxonomyTerm(Base):
    __tablename__ = "taxonomy_term"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    code: Mapped[str | None] = mapped_column(Text, index=True)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[str | None] = mapped_column(String(64))
    taxonomy: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    taxonomy_id: Mapped[str | None] = mapped_column(ForeignKey("taxonomy.id"), index=True)
    term_uri: Mapped[str | None] = mapped_column(Text)


class Attribute(Base):
    """Links any entity (link_type/link_entity + link_id) to a taxonomy term; need types use this."""

    __tablename__ = "attribute"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    link_id: Mapped[str] = mapped_column(String(64), index=True)
    taxonomy_term_id: Mapped[str] = mapped_column(ForeignKey("taxonomy_term.id"), index=True)
    link_type: Mapped[str | None] = mapped_column(Text)
    link_entity: Mapped[str] = mapped_column(String(32), default="service")
    value: Mapped[str | None] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(Text)


class ServiceArea(Base):
    __tablename__ = "service_area"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    service_at_location_id: Mapped[str | None] = mapped_column(ForeignKey("service_at_location.id", ondelete="CASCADE"))
    name: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    extent: Mapped[str | None] = mapped_column(Text)
    extent_type: Mapped[str | None] = mapped_column(Text)
    uri: Mapped[str | None] = mapped_column(Text)

    service: Mapped[Service | None] = relationship(back_populates="service_areas")


class Language(Base):
    __tablename__ = "language"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    service_id: Mapped[str | None] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[str | None] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
    phone_id: Mapped[str | None] = mapped_column(ForeignKey("phone.id", ondelete="CASCADE"))
    name: Mapped[str | None] = mapped_column(Text)
    code: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)

    service: Mapped[Service | None] = relationship(back_populates="languages")


class Accessibility(Base):
    __tablename__ = "accessibility"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    location_id: Mapped[str | None] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    details: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)

    location: Mapped[Location | None] = relationship(back_populates="accessibility")


class CostOption(Base):
    __tablename__ = "cost_option"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    option: Mapped[str | None] = mapped_column(Text)
    currency: Mapped[str | None] = mapped_column(String(3))
    amount: Mapped[float | None] = mapped_column(Float)
    amount_description: Mapped[str | None] = mapped_column(Text)

    service: Mapped[Service] = relationship(back_populates="cost_options")


class Contact(Base):
    __tablename__ = "contact"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    organization_id: Mapped[str | None] = mapped_column(ForeignKey("organization.id"))
    service_id: Mapped[str | None] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    service_at_location_id: Mapped[str | None] = mapped_column(ForeignKey("service_at_location.id", ondelete="CASCADE"))
    location_id: Mapped[str | None] = mapped_column(ForeignKey("location.id", ondelete="CASCADE"))
    name: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    department: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)

    service: Mapped[Service | None] = relationship(back_populates="contacts")


# ---------------------------------------------------------------- ketdir's own tables


class DatasetMeta(Base):
    """Key/value facts about the directory: schema_version, source, imported_at, content_hash."""

    __tablename__ = "ketdir_meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ChangeHistory(Base):
    """Who changed or verified what, and when."""

    __tablename__ = "ketdir_change"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    editor: Mapped[str] = mapped_column(Text)
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(16))  # created, edited, verified, retired, imported
    field: Mapped[str | None] = mapped_column(Text)
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)


#: The only values a referral's channel and outcome can take (the tables refuse others).
REFERRAL_CHANNELS = ("phone", "outreach", "other")
REFERRAL_OUTCOMES = ("referred", "details-given", "declined", "no-service")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ReferralLog(Base):
    """An anonymous referral: no names, phone numbers, free text or full postcodes, by construction.

    Every column is a time, a short code from a fixed set, or a postcode district (at most 4 characters,
    no space: a full postcode cannot fit). Write through ketdir.referral.log.log_referral, which checks
    each value; the CHECK constraints refuse the rest even to raw SQL.
    """

    __tablename__ = "ketdir_referral"
    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_id)
    logged_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)  # rounded down to the hour
    district: Mapped[str | None] = mapped_column(String(4))  # outcode only, e.g. "SE1"
    channel: Mapped[str] = mapped_column(String(16))  # phone, outreach, other
    outcome: Mapped[str | None] = mapped_column(String(16))  # REFERRAL_OUTCOMES, or NULL: not known

    __table_args__ = (
        CheckConstraint(
            "district IS NULL OR (length(district) BETWEEN 2 AND 4 AND district NOT LIKE '% %' "
            "AND district = upper(district))",
            name="ck_referral_district_outcode",
        ),
        CheckConstraint(_in("channel", REFERRAL_CHANNELS), name="ck_referral_channel"),
        CheckConstraint(f"outcome IS NULL OR {_in('outcome', REFERRAL_OUTCOMES)}", name="ck_referral_outcome"),
    )


class ReferralService(Base):
    __tablename__ = "ketdir_referral_service"
    referral_id: Mapped[str] = mapped_column(ForeignKey("ketdir_referral.id", ondelete="CASCADE"), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # a service's id (checked on logging)

    __table_args__ = (
        CheckConstraint("length(service_id) <= 64 AND service_id NOT LIKE '% %'", name="ck_referral_service_id"),
    )


class ReferralNeed(Base):
    __tablename__ = "ketdir_referral_need"
    referral_id: Mapped[str] = mapped_column(ForeignKey("ketdir_referral.id", ondelete="CASCADE"), primary_key=True)
    need: Mapped[str] = mapped_column(String(32), primary_key=True)  # a need-type code, e.g. "chemsex"

    __table_args__ = (
        CheckConstraint("length(need) <= 32 AND need NOT LIKE '% %' AND need = lower(need)",
                        name="ck_referral_need_code"),
    )


class HoursPattern(Base):
    """Distinct opening-hours patterns (compact code from ketdir.hours); search tests open-now per pattern."""

    __tablename__ = "ketdir_hours_pattern"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(Text, unique=True)


class SearchDoc(Base):
    """One row per active service: the text the full-text index covers and the columns filters need.

    Kept by ketdir.store.index.refresh(); the SQLite FTS5 table `search_fts` (external content) follows
    it through triggers.
    """

    __tablename__ = "ketdir_search_doc"
    rowid: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service_id: Mapped[str] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(Text)
    alternate_name: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    organization: Mapped[str] = mapped_column(Text, default="")
    needs_text: Mapped[str] = mapped_column(Text, default="")
    need_mask: Mapped[int] = mapped_column(Integer, default=0)
    is_national: Mapped[bool] = mapped_column(Boolean, default=False)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    is_free: Mapped[bool] = mapped_column(Boolean, default=False)
    minimum_age: Mapped[float | None] = mapped_column(Float)
    maximum_age: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    hours_pattern_id: Mapped[int | None] = mapped_column(ForeignKey("ketdir_hours_pattern.id"))
    languages: Mapped[str] = mapped_column(Text, default="")  # space-separated codes
    tags: Mapped[str] = mapped_column(Text, default="")  # filter tags (ketdir.store.tags), indexed, never ranked

    __table_args__ = (
        Index("ix_search_doc_geo", "latitude", "longitude"),
        Index("ix_search_doc_hours", "hours_pattern_id"),
        Index("ix_search_doc_name", "name"),
        UniqueConstraint("service_id", name="uq_search_doc_service"),
    )


class LogImport(Base):
    """One referral log merged into this directory (`ketdir log merge`): merging the same log again adds
    nothing, and the row says when it was first merged and from where."""

    __tablename__ = "ketdir_log_import"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the log's referral ids
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime)
    origin: Mapped[str | None] = mapped_column(Text)  # the laptop's name for itself, if it gave one
    referrals: Mapped[int] = mapped_column(Integer, default=0)  # referrals in the log
    added: Mapped[int] = mapped_column(Integer, default=0)  # of which were new here


class ImportSource(Base):
    """One import source (a feed, a spreadsheet): when it was last imported and what it held, so importing
    the same source again updates and removes its services rather than adding copies."""

    __tablename__ = "ketdir_import_source"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    format: Mapped[str | None] = mapped_column(String(16))
    path: Mapped[str | None] = mapped_column(Text)
    services: Mapped[int] = mapped_column(Integer, default=0)


class ImportedService(Base):
    """A service an import wrote: its `version` right after the import and the hash of what the source said.
    A later import compares them: another version means it was edited here since (a conflict if the source
    changed it too); the same hash means the source has nothing new for it. The hash "retired"
    (interop.apply.RETIRED_HASH): the source stopped listing it and the import retired it; listed again, it is
    active again."""

    __tablename__ = "ketdir_imported_service"
    source: Mapped[str] = mapped_column(String(200), primary_key=True)
    service_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(40))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime)
