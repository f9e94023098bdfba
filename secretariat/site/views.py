"""The home page, and the staff's views of the audit log and the outbox."""

from flask import Response, render_template, request

from secretariat import cache
from secretariat.i18n import current_language
from secretariat.listing import requested_period
from secretariat.presidency import queries as presidency
from secretariat.reports import queries as reports
from secretariat.security import PUBLIC, STAFF, access, public_adapter, public_url
from secretariat.site import bp, queries
from secretariat.templating import in_every_language
from secretariat.working_groups import queries as working_groups

# What search engines leave alone: the staff's pages, an applicant's private status page, the
# sign-in and account pages and every token address.
PRIVATE_PREFIXES = (
    "/staff",
    "/apply/status/",
    "/sign-in",
    "/sign-out",
    "/password/",
    "/invitation/",
    "/profile",
    "/elections/*/ballot",
)

AUDIT_FILTERS = {
    "action": 80,
    "actor": 200,
    "target_type": 80,
    "target_id": 80,
}  # the longest of each


@bp.route("/")
@access(PUBLIC)
def show_home():
    # kept like the directory: the handover, the summits and the sessions all bump its stamp;
    # and it is kept only until the next session begins, which leaves the list then
    return cache.kept(cache.DIRECTORY, _home_page, until=working_groups.next_start)


def _home_page() -> str:
    return render_template(
        "site/home.html",
        president=presidency.current_term(),
        elect=presidency.president_elect(),
        sessions=working_groups.upcoming_sessions(),
        report=reports.latest_published(),
        language=current_language(),
    )


@bp.route("/robots.txt")
@access(PUBLIC)
def show_robots():
    lines = ["User-agent: *", *(f"Disallow: {prefix}" for prefix in PRIVATE_PREFIXES)]
    lines.append(f"Sitemap: {public_url('site.show_sitemap')}")
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@bp.route("/sitemap.xml")
@access(PUBLIC)
def show_sitemap():
    return Response(cache.kept(cache.DIRECTORY, _sitemap, anyone=True), mimetype="application/xml")


def _sitemap() -> str:
    adapter = public_adapter()
    pages = [
        in_every_language(endpoint, values, adapter) for endpoint, values in queries.sitemap_pages()
    ]
    return render_template("site/sitemap.xml", pages=pages)


@bp.route("/staff/audit")
@access(STAFF)
def show_audit_log():
    args = request.args
    since, until = requested_period()
    page = queries.audit_page(
        **{name: args.get(name, "").strip()[:size] for name, size in AUDIT_FILTERS.items()},
        since=since,
        until=until,
    )
    return render_template("staff/audit.html", **page, filters=args)


@bp.route("/staff/outbox")
@access(STAFF)
def list_messages():
    page = queries.outbox_page(request.args.get("status", ""))
    return render_template("staff/outbox.html", **page)


@bp.route("/staff/outbox/<int:message_id>")
@access(STAFF)
def show_message(message_id):
    return render_template("staff/message.html", message=queries.message_or_404(message_id))
