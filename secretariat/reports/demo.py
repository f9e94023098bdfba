"""Demo indicators and reports: what each presidency aimed for, and the reports of its year."""

from datetime import timedelta

from sqlalchemy import select

from secretariat.accounts.models import User
from secretariat.database import utcnow
from secretariat.extensions import db
from secretariat.presidency.models import Term
from secretariat.reports import operations
from secretariat.reports.rules import Direction, Measure, Source, Step

COMPUTED = [
    # measure, target, direction, English title, Turkish title, English unit, Turkish unit
    (Measure.NEW_MEMBERS, 3, Direction.AT_LEAST, "New member cities", "Yeni üye şehirler",
     "cities", "şehir"),
    (Measure.SESSIONS_HELD, 8, Direction.AT_LEAST, "Working group sessions held",
     "Yapılan çalışma grubu toplantıları", "sessions", "toplantı"),
    (Measure.MEDIAN_DAYS_TO_DECIDE, 45, Direction.AT_MOST, "Median days to decide an application",
     "Bir başvurunun karara bağlanması için ortanca gün", "days", "gün"),
]  # fmt: skip
ENTERED = (
    "Cities that shared a local climate plan",
    "Yerel iklim planını paylaşan şehirler",
    "cities",
    "şehir",
)


def load_indicators() -> None:
    """Three computed indicators for every term from Athens's on, and one the secretariat
    enters, with a figure a quarter after the handover for each term that has run that long."""
    terms = db.session.scalars(select(Term).where(Term.number >= 2).order_by(Term.number))
    for term in terms:
        for measure, target, direction, title_en, title_tr, unit_en, unit_tr in COMPUTED:
            _add(term, title_en, title_tr, unit_en, unit_tr, target, direction, measure)
        entered = _add(term, *ENTERED, 10, Direction.AT_LEAST)
        if term.started_at is not None:
            day = term.started_at.date() + timedelta(days=91)
            if day <= utcnow().date():
                operations.record_figure(None, entered, 4 + term.number, day, "Survey of members.")


def _add(term, title_en, title_tr, unit_en, unit_tr, target, direction, measure=None):
    return operations.add_indicator(
        None,
        term,
        title_en=title_en,
        title_tr=title_tr,
        unit_en=unit_en,
        unit_tr=unit_tr,
        target=target,
        direction=direction,
        source=Source.COMPUTED if measure else Source.ENTERED,
        measure=measure,
    )


# The reports of the terms that have ended, published, and the current one in review: short,
# fictional texts in both languages (foreword, highlights, outlook).
NARRATIVES = {
    1: (
        "Istanbul founded the network with nineteen cities and the Istanbul Declaration: "
        "local governments of the Balkans, working together without fees or binding decisions.",
        "İstanbul, ağı on dokuz şehir ve İstanbul Bildirgesi ile kurdu: Balkanların yerel "
        "yönetimleri ücret ödemeden ve bağlayıcı kararlar almadan birlikte çalışıyor.",
    ),
    2: (
        "Athens gave the network its first working year: four groups met online every quarter.",
        "Atina ağa ilk çalışma yılını verdi: dört grup her çeyrekte çevrim içi toplandı.",
    ),
    3: (
        "Tirana opened the network to cities that applied through the portal's form.",
        "Tiran, ağı portaldaki form aracılığıyla başvuran şehirlere açtı.",
    ),
    4: (
        "Sofia kept every group meeting and prepared the Zagreb summit with its host.",
        "Sofya her grubun toplantılarını sürdürdü ve Zagreb zirvesini ev sahibiyle hazırladı.",
    ),
    5: (
        "Zagreb's year brought the network's first contested election held online.",
        "Zagreb'in yılı, ağın çevrim içi yapılan ilk çok adaylı seçimini getirdi.",
    ),
}
HIGHLIGHTS = (
    "- Quarterly sessions of **every working group**\n- Minutes recorded in both languages\n"
    "- A summit hosted by the next presidency",
    "- **Tüm çalışma gruplarının** üç aylık toplantıları\n- İki dilde tutulan tutanaklar\n"
    "- Bir sonraki dönem başkanlığının ev sahipliğinde bir zirve",
)
OUTLOOK = (
    "The next term continues the groups' work and welcomes the cities that apply.",
    "Gelecek dönem grupların çalışmalarını sürdürecek ve başvuran şehirleri ağa katacak.",
)
PUBLISHED_TERMS = (1, 2, 3, 4)
IN_REVIEW_TERM = 5


def load_reports() -> None:
    """İstanbul's, Athens's, Tirana's and Sofia's reports published (each approved by its
    mayor at the time), Zagreb's sent to its presidency for review."""
    terms = db.session.scalars(
        select(Term).where(Term.number.in_(NARRATIVES)).order_by(Term.number)
    )
    for term in terms:
        report = operations.start_report(None, term)
        foreword_en, foreword_tr = NARRATIVES[term.number]
        operations.write_narrative(
            None,
            report,
            foreword_en=foreword_en,
            foreword_tr=foreword_tr,
            highlights_en=HIGHLIGHTS[0],
            highlights_tr=HIGHLIGHTS[1],
            outlook_en=OUTLOOK[0],
            outlook_tr=OUTLOOK[1],
        )
        operations.take_step(None, report, Step.SEND)
        if term.number in PUBLISHED_TERMS:
            operations.take_step(_mayor_of(term), report, Step.APPROVE)
            operations.take_step(None, report, Step.PUBLISH)


def _mayor_of(term: Term) -> User:
    """The demo's mayor of the term's city (secretariat.demo.DEMO_USERS), who reviews its report."""
    return db.session.scalar(
        select(User).where(User.email == f"mayor.{term.city.slug}@b40.example")
    )
