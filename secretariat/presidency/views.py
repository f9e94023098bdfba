"""The presidency's page, its terms; the summits' pages are in summits/views.py."""

from flask import render_template

from secretariat.i18n import current_language
from secretariat.presidency import bp, queries
from secretariat.presidency.summits import views as summit_views
from secretariat.security import PUBLIC, access

__all__ = ["bp", "summit_views"]  # importing summit_views puts the summits' pages on bp


@bp.route("/presidency")
@access(PUBLIC)
def show_presidency():
    overview = queries.overview()
    return render_template(
        "presidency/presidency.html",
        overview=overview,
        terms=list(reversed(overview.terms)),
        language=current_language(),
    )
