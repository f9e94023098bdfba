"""Elections, candidates, the frozen roll, the register of who voted, and the ballot box.

Secrecy lives in the schema: the register (`vote_records`: which city voted in which round)
and the ballot box (`ballots`: what was chosen) share no key, no id order and no timestamp.
A ballot's primary key is its random receipt code, and on SQLite the table has no rowid, so
even the storage order follows the random codes, not the order of voting.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from secretariat.database import UTCDateTime, sql_list, utcnow
from secretariat.extensions import db
from secretariat.i18n import LabelledEnum
from secretariat.members.models import City
from secretariat.presidency.models import Summit


class Phase(LabelledEnum):
    DRAFT = "draft", _l("Draft")
    NOMINATIONS = "nominations", _l("Nominations")
    VOTING = "voting", _l("Voting")
    CLOSED = "closed", _l("Closed")
    CERTIFIED = "certified", _l("Certified")


class Mode(LabelledEnum):
    ONLINE = "online", _l("Online ballot")
    PAPER = "paper", _l("Paper ballot in the summit hall")


class Election(db.Model):
    """The election held at a summit, for the term that the next summit opens."""

    __tablename__ = "elections"
    __table_args__ = (
        CheckConstraint(f"phase IN ({sql_list(Phase)})", name="phase_known"),
        CheckConstraint(f"mode IN ({sql_list(Mode)})", name="mode_known"),
        CheckConstraint("round IN (1, 2)", name="round_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    summit_id: Mapped[int] = mapped_column(ForeignKey("summits.id"), unique=True)
    term_number: Mapped[int] = mapped_column(unique=True)  # the term being elected
    phase: Mapped[str] = mapped_column(String(20), default=Phase.DRAFT)
    mode: Mapped[str] = mapped_column(String(20), default=Mode.ONLINE)
    round: Mapped[int] = mapped_column(default=1)
    nominations_open_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voting_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voting_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    certified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    winner_city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id"))
    lots_note: Mapped[str] = mapped_column(Text, default="")  # the drawing of lots, if any
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    summit: Mapped[Summit] = relationship(lazy="joined", innerjoin=True)
    winner: Mapped[City | None] = relationship()
    candidates: Mapped[list["Candidate"]] = relationship(
        back_populates="election", order_by="Candidate.id"
    )

    def __str__(self) -> str:
        return f"election of term {self.term_number}"


class Candidate(db.Model):
    __tablename__ = "candidates"
    __table_args__ = (UniqueConstraint("election_id", "city_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"))
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    in_hall: Mapped[bool] = mapped_column(default=False)  # staff recorded it at the summit
    is_in_second_round: Mapped[bool] = mapped_column(default=False)
    nominated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    election: Mapped[Election] = relationship(back_populates="candidates")
    city: Mapped[City] = relationship(lazy="joined", innerjoin=True)


class RollEntry(db.Model):
    """A city that may vote: every active member when voting opens, frozen from then on."""

    __tablename__ = "roll_entries"
    __table_args__ = (UniqueConstraint("election_id", "city_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"))

    city: Mapped[City] = relationship(lazy="joined", innerjoin=True)


class Authorisation(db.Model):
    """A mayor lets one delegate of their city vote in one election."""

    __tablename__ = "authorisations"
    __table_args__ = (UniqueConstraint("election_id", "city_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VoteRecord(db.Model):
    """The register: that a city voted in a round, never what. One per city and round."""

    __tablename__ = "vote_records"
    __table_args__ = (UniqueConstraint("election_id", "round", "city_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    round: Mapped[int]
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"))
    voted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: on paper

    city: Mapped[City] = relationship(lazy="joined", innerjoin=True)


class Ballot(db.Model):
    """The ballot box: what was chosen, under the receipt code the voter saw once.

    choice is a candidate's id, "blank", or "yes"/"no" when a single candidate stands.
    No timestamp, no sequence, nothing of the voter.
    """

    __tablename__ = "ballots"
    __table_args__ = ({"sqlite_with_rowid": False},)

    receipt: Mapped[str] = mapped_column(String(32), primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    round: Mapped[int]
    choice: Mapped[str] = mapped_column(String(20))


class Tally(db.Model):
    """The counted votes of a round for one choice: from the ballots online, entered on paper."""

    __tablename__ = "tallies"
    __table_args__ = (
        UniqueConstraint("election_id", "round", "choice"),
        CheckConstraint("votes >= 0", name="votes_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("elections.id"), index=True)
    round: Mapped[int]
    choice: Mapped[str] = mapped_column(String(20))
    votes: Mapped[int] = mapped_column(default=0)
