"""Countries and member cities, with the names people know them by, mayors and contacts."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from secretariat import text
from secretariat.database import UTCDateTime, sql_list, utcnow
from secretariat.extensions import db
from secretariat.i18n import DEFAULT_TIMEZONE, LabelledEnum

SORT_LANGUAGES = ("en", "tr")


class Country(db.Model):
    """A Balkan country cities may apply from; kept as data, editable by admins."""

    __tablename__ = "countries"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(2), unique=True)  # ISO 3166, Kosovo as XK
    name_en: Mapped[str] = mapped_column(String(100))
    name_tr: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name_en


class CityStatus(LabelledEnum):
    ACTIVE = "active", _l("Active member")
    WITHDRAWN = "withdrawn", _l("Withdrawn")


class JoinRoute(LabelledEnum):
    FOUNDING = "founding", _l("Founding member (Istanbul Summit, 2021)")
    SUMMIT = "summit", _l("Joined by attending a summit")
    APPLICATION = "application", _l("Joined through the application form")


class City(db.Model):
    __tablename__ = "cities"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_list(CityStatus)})", name="status_known"),
        CheckConstraint(f"join_route IN ({sql_list(JoinRoute)})", name="join_route_known"),
        CheckConstraint("population IS NULL OR population >= 0", name="population_positive"),
        Index("ix_cities_status_sort_key_en", "status", "sort_key_en"),
        Index("ix_cities_status_sort_key_tr", "status", "sort_key_tr"),
        Index("ix_cities_status_country_id", "status", "country_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    official_name: Mapped[str] = mapped_column(String(200))
    english_name: Mapped[str] = mapped_column(String(200))
    turkish_name: Mapped[str] = mapped_column(String(200), default="")
    country_id: Mapped[int] = mapped_column(ForeignKey("countries.id"), index=True)
    population: Mapped[int | None]
    website: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), default=CityStatus.ACTIVE)
    joined_on: Mapped[date]
    join_route: Mapped[str] = mapped_column(String(20))
    withdrawn_on: Mapped[date | None]
    search_key: Mapped[str] = mapped_column(Text, default="")
    sort_key_en: Mapped[str] = mapped_column(String(400), default="")
    sort_key_tr: Mapped[str] = mapped_column(String(400), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # unnested: an outer join to a city (a winner, a delegation) chains its country with another
    # outer join instead of nesting an inner one, which SQLite answers by copying every city
    country: Mapped[Country] = relationship(lazy="joined", innerjoin="unnested")
    aliases: Mapped[list["CityAlias"]] = relationship(
        back_populates="city", cascade="all, delete-orphan", order_by="CityAlias.name"
    )
    office_holders: Mapped[list["OfficeHolder"]] = relationship(
        back_populates="city", order_by="OfficeHolder.started_on.desc()"
    )
    contacts: Mapped[list["Contact"]] = relationship(back_populates="city", order_by="Contact.id")

    def name_in(self, language: str) -> str:
        """The name a reader of language knows: Atina in Turkish, Athens in English."""
        return (self.turkish_name or self.english_name) if language == "tr" else self.english_name

    def __str__(self) -> str:
        return self.english_name

    def index_names(self) -> None:
        """Store the search key and the sort keys; names change rarely, lists are read often."""
        names = (self.official_name, self.english_name, self.turkish_name)
        aliases = tuple(alias.name for alias in self.aliases)
        self.search_key = text.search_keys(*names, *aliases)
        self.sort_key_en = text.collation_key(self.name_in("en"), "en")[:400]
        self.sort_key_tr = text.collation_key(self.name_in("tr"), "tr")[:400]


class CityAlias(db.Model):
    """Another name of a city: an exonym (Belgrade), a transliteration (Nis), an old name."""

    __tablename__ = "city_aliases"
    __table_args__ = (UniqueConstraint("city_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))

    city: Mapped[City] = relationship(back_populates="aliases")


class OfficeHolder(db.Model):
    """A mayor of a city for a period; mayors change, the history stays."""

    __tablename__ = "office_holders"
    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="period_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    started_on: Mapped[date]
    ended_on: Mapped[date | None]

    city: Mapped[City] = relationship(back_populates="office_holders")


class ContactKind(LabelledEnum):
    MAYOR = "mayor", _l("Mayor")
    FOCAL_POINT = "focal_point", _l("Focal point")
    WORKING_GROUP = "working_group", _l("Working group contact")


class Contact(db.Model):
    """Who to reach in a member city; visible to signed-in members and staff only."""

    __tablename__ = "contacts"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_list(ContactKind)})", name="kind_known"),
        CheckConstraint(
            "(kind = 'working_group') = (working_group_id IS NOT NULL)",
            name="group_contact_has_group",
        ),
        CheckConstraint("language IN ('en', 'tr')", name="language_known"),
        Index("ix_contacts_working_group_id", "working_group_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    language: Mapped[str] = mapped_column(String(5), default="en")  # of the mail we send them
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    working_group_id: Mapped[int | None] = mapped_column(ForeignKey("working_groups.id"))
    is_active: Mapped[bool] = mapped_column(default=True)

    city: Mapped[City] = relationship(back_populates="contacts")
    working_group = relationship("WorkingGroup")

    @property
    def kind_label(self):
        return ContactKind(self.kind).label
