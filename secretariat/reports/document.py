"""The report as a document: its charts, its pages in both languages and its frozen snapshot."""

import hashlib
import json
import logging
from dataclasses import dataclass, field

from flask import current_app, render_template
from flask_babel import force_locale, format_decimal, format_percent
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select

from secretariat.extensions import db
from secretariat.i18n import LANGUAGE_NAMES
from secretariat.members.models import JoinRoute
from secretariat.reports import charts, rules
from secretariat.reports.compilation import ReportFacts, compile_facts
from secretariat.reports.models import NARRATIVE, Report, ReportSnapshot
from secretariat.reports.pdf import PdfUnavailable, render_pdf
from secretariat.security import public_url
from secretariat.working_groups.models import SessionKind

log = logging.getLogger(__name__)
LISTED = 200  # cities named in a table of joins or withdrawals; a count says the rest


@dataclass(frozen=True)
class Texts:
    """The narrative as it stands: foreword, highlights, outlook and a note per group, both
    languages (read with localized(), which marks a fallback)."""

    foreword_en: str = ""
    foreword_tr: str = ""
    highlights_en: str = ""
    highlights_tr: str = ""
    outlook_en: str = ""
    outlook_tr: str = ""
    notes: dict = field(default_factory=dict)  # group id -> {"note_en": …, "note_tr": …}

    def typed(self) -> dict:
        """The texts as the narrative form's fields hold them."""
        return {
            **{name: value for name, value in self.as_json().items() if name != "notes"},
            **{
                rules.note_field(int(group_id), code): note.get(f"note_{code}", "")
                for group_id, note in self.notes.items()
                for code in LANGUAGE_NAMES
            },
        }

    def as_json(self) -> dict:
        return {
            **{
                f"{name}_{code}": getattr(self, f"{name}_{code}")
                for name in NARRATIVE
                for code in LANGUAGE_NAMES
            },
            "notes": {str(key): value for key, value in sorted(self.notes.items())},
        }


def texts_of(report: Report | None, typed: dict | None = None) -> Texts:
    """The report's saved texts, or what staff typed (a preview before saving)."""
    saved = {
        f"{name}_{code}": getattr(report, f"{name}_{code}", "") if report else ""
        for name in NARRATIVE
        for code in LANGUAGE_NAMES
    }
    notes = {
        note.group_id: {"note_en": note.note_en, "note_tr": note.note_tr}
        for note in (report.notes if report else ())
    }
    if typed is not None:
        saved = {name: typed.get(name) or "" for name in saved}
        notes = {
            group_id: {
                f"note_{code}": typed.get(rules.note_field(group_id, code)) or ""
                for code in LANGUAGE_NAMES
            }
            for group_id in rules.noted_groups(typed)
        }
    return Texts(**saved, notes=notes)


@dataclass(frozen=True)
class Note:
    note_en: str
    note_tr: str


def note_of(texts: Texts, group_id: int) -> Note:
    note = texts.notes.get(group_id) or texts.notes.get(str(group_id)) or {}
    return Note(note.get("note_en", ""), note.get("note_tr", ""))


# --- charts, in the active language ----------------------------------------------------------


def _number(value) -> str:
    return "—" if value is None else format_decimal(value, format="#,##0.#")


def _name(names, language: str) -> str:
    return names.name_tr if language == "tr" and names.name_tr else names.name_en


@dataclass(frozen=True)
class Charts:
    groups: charts.BarChart
    growth: charts.LineChart
    indicators: charts.ProgressChart


def charts_of(facts: ReportFacts, language: str) -> Charts:
    """The report's three charts, labelled and numbered for the active locale."""
    names = [_name(year.group, language) for year in facts.groups]
    held = [float(year.regular + year.extra) for year in facts.groups]
    average = [year.average_present or 0.0 for year in facts.groups]
    groups = charts.grouped_bars(
        names,
        [
            charts.Series(_("Sessions held"), held, [_number(value) for value in held]),
            charts.Series(
                _("Average cities present"),
                average,
                [_number(year.average_present) for year in facts.groups],
            ),
        ],
    )
    growth = charts.line(
        [
            charts.Point(str(year), float(members), _number(members))
            for year, members in facts.growth
        ]
    )
    indicators = charts.progress_bars(
        [
            charts.ProgressRow(
                label=line.title_tr if language == "tr" and line.title_tr else line.title_en,
                share=0.0 if line.value is None or not line.target else line.value / line.target,
                target_label=_number(line.target),
                value_label=_number(line.value),
                status_label=rules.Status(line.status).label if line.status else "—",
            )
            for line in facts.indicators
        ]
    )
    return Charts(groups, growth, indicators)


# --- the pages ------------------------------------------------------------------------------


def address_of(year: int | None, revision: int | None = None) -> str:
    if revision is None:
        return public_url("reports.show_report", year=year)
    return public_url("reports.show_revision", year=year, revision=revision)


def render_body(facts: ReportFacts, texts: Texts, language: str, **frame) -> Markup:
    """The report's article in language: the same HTML on the page, on paper and in the PDF."""
    with force_locale(language):
        return Markup(  # noqa: S704  # nosec B704 - our own autoescaped template's output
            render_template(
                "reports/_report.html",
                facts=facts,
                texts=texts,
                charts=charts_of(facts, language),
                note_of=note_of,
                language=language,
                percent=lambda share: (
                    "—" if share is None else format_percent(share / rules.PERCENT)
                ),
                number=_number,
                listed=LISTED,
                route_label=lambda code: JoinRoute(code).label,
                kind_label=lambda code: SessionKind(code).label,
                direction_label=lambda code: rules.Direction(code).label,
                status_label=lambda code: rules.Status(code).label,
                **frame,
            )
        )


def render_document(body: Markup, language: str, title: str) -> str:
    """A whole HTML document around the article, for the PDF."""
    with force_locale(language):
        return render_template("reports/document.html", body=body, language=language, title=title)


def title_of(facts: ReportFacts, language: str) -> str:
    with force_locale(language):
        return _("B40 activity report %(year)s", year=facts.year)


# --- the snapshot ---------------------------------------------------------------------------


def checksum_of(content: dict) -> str:
    """SHA-256 of the facts and texts as canonical JSON: what the snapshot says, not its bytes."""
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode()).hexdigest()


def _pdf(body: Markup, language: str, title: str) -> bytes | None:
    try:
        return render_pdf(
            render_document(body, language, title), base_url=current_app.config["PUBLIC_URL"]
        )
    except PdfUnavailable as problem:
        log.warning("the report's PDF was not made: %s", problem)
        return None


def freeze(report: Report, actor, reason: str) -> ReportSnapshot:
    """A new revision of the report as it stands now, rendered and kept for good."""
    revision = 1 + (
        db.session.scalar(
            select(func.max(ReportSnapshot.revision)).where(ReportSnapshot.report_id == report.id)
        )
        or 0
    )
    facts = compile_facts(report.term)
    texts = texts_of(report)
    content = {
        "facts": facts.as_json(),
        "texts": texts.as_json(),
        "revision": revision,
        "reason": reason,
    }
    checksum = checksum_of(content)
    pages, pdfs = {}, {}
    for code in LANGUAGE_NAMES:
        frame = {
            "address": address_of(facts.year, revision),
            "checksum": checksum,
            "revision": revision,
            "reason": reason,
        }
        pages[code] = str(render_body(facts, texts, code, **frame))
        pdfs[code] = _pdf(Markup(pages[code]), code, title_of(facts, code))  # noqa: S704  # nosec B704
    snapshot = ReportSnapshot(
        report_id=report.id,
        revision=revision,
        reason=reason,
        facts=content,
        checksum=checksum,
        html_en=pages["en"],
        html_tr=pages["tr"],
        pdf_en=pdfs["en"],
        pdf_tr=pdfs["tr"],
        pdf_en_size=len(pdfs["en"] or b""),
        pdf_tr_size=len(pdfs["tr"] or b""),
        published_by_id=getattr(actor, "id", None),
    )
    db.session.add(snapshot)
    db.session.flush()
    return snapshot
