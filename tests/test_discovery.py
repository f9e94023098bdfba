"""What search engines and link previews read: robots.txt, sitemap.xml, and every page's
canonical and alternate-language addresses, all at the trusted public origin."""

import re
from datetime import date
from urllib.parse import urlsplit
from xml.etree import ElementTree

from secretariat.extensions import db as _db
from secretariat.members.operations import withdraw_city
from tests.helpers import city

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
PRIVATE = ("/staff", "/apply/status/", "/sign-in", "/sign-out", "/password/", "/invitation/")


def sitemap(client) -> dict[str, dict[str, str]]:
    """{address: {language: alternate address}} as the sitemap lists them."""
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ElementTree.fromstring(response.data)  # noqa: S314 - the portal's own sitemap
    return {
        url.findtext(f"{SITEMAP}loc"): {
            link.get("hreflang"): link.get("href") for link in url.findall(f"{XHTML}link")
        }
        for url in root.findall(f"{SITEMAP}url")
    }


def test_robots_keep_search_engines_out_of_private_pages_and_name_the_sitemap(app, client):
    text = client.get("/robots.txt").get_data(as_text=True)
    for prefix in PRIVATE:
        assert f"Disallow: {prefix}" in text
    assert "Sitemap: http://localhost/sitemap.xml" in text


def test_the_sitemap_lists_every_public_page_in_both_languages_and_nothing_private(
    app, client, demo_data
):
    listed = sitemap(client)
    paths = {urlsplit(address).path for address in listed}
    assert {"/", "/members", "/members/sarajevo", "/working-groups", "/reports/2025"} <= paths
    assert "/reports/2026" not in paths  # Zagreb's report is still in review
    assert not [path for path in paths if path.startswith(PRIVATE)]
    for address, alternates in listed.items():
        assert address.startswith("http://localhost/"), address
        assert set(alternates) == {"en", "tr"}
        assert address in alternates.values()
        language = re.search(r"[?&]lang=(en|tr)", address).group(1)
        assert alternates[language] == address
    anonymous, kinds = app.test_client(), {}
    for address in listed:  # one address of each kind of page, in each language
        parts = urlsplit(address).path.strip("/").split("/")
        kind = (parts[0], len(parts), address[-2:])
        kinds.setdefault(kind, address)
    assert len(kinds) >= 24
    for address in kinds.values():
        response = anonymous.get(address.removeprefix("http://localhost"))
        assert response.status_code == 200, address
        language = re.search(r"lang=(en|tr)", address).group(1)
        assert f'<html lang="{language}">' in response.get_data(as_text=True)


def test_a_withdrawn_city_leaves_the_sitemap(app, client, demo_data):
    assert [address for address in sitemap(client) if "/members/sarajevo" in address]
    with app.test_request_context():
        withdraw_city(None, city("sarajevo"), date(2026, 12, 1))
        _db.session.commit()
    assert not [address for address in sitemap(client) if "/members/sarajevo" in address]


def test_every_page_names_its_canonical_address_and_its_other_language(app, client, demo_data):
    html = client.get("/members/sarajevo?lang=tr", headers={"Host": "localhost"}).get_data(
        as_text=True
    )
    assert '<link rel="canonical" href="http://localhost/members/sarajevo?lang=tr">' in html
    assert (
        '<link rel="alternate" hreflang="en" href="http://localhost/members/sarajevo?lang=en">'
        in html
    )
    listing = client.get("/members?page=2&lang=en").get_data(as_text=True)
    assert '<link rel="canonical" href="http://localhost/members?page=2&amp;lang=en">' in listing
    missing = client.get("/members/no-such-city").get_data(as_text=True)
    assert 'rel="canonical"' not in missing


def test_a_shared_link_previews_with_the_pages_title_in_its_language(app, client, demo_data):
    html = client.get("/members/sarajevo?lang=tr").get_data(as_text=True)
    assert '<meta property="og:title" content="Saraybosna">' in html
    assert '<meta property="og:locale" content="tr_TR">' in html
    assert '<meta property="og:url" content="http://localhost/members/sarajevo?lang=tr">' in html
    assert '<meta property="og:description" content="Yetmişten fazla Balkan şehri' in html
