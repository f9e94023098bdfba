"""Sign in to a running portal and print the Cookie header value of the session.

    python bench/sign_in.py http://127.0.0.1:8000 secretary@b40.example PASSWORD

Standard library only. GET /sign-in for the CSRF token (and its session cookie), then POST
the form with the same cookie jar; a 302 means success. Exits non-zero otherwise.
"""

import http.cookiejar
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

TOKEN = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
TIMEOUT = 30


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # let the 302 surface as an HTTPError we can read


def main(base: str, email: str, password: str) -> int:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    with opener.open(f"{base}/sign-in", timeout=TIMEOUT) as response:
        html = response.read().decode("utf-8")
    found = TOKEN.search(html)
    if not found:
        print("sign-in: no csrf_token on /sign-in", file=sys.stderr)
        return 1
    form = urllib.parse.urlencode(
        {"email": email, "password": password, "csrf_token": found.group(1)}
    ).encode()
    try:
        with opener.open(f"{base}/sign-in", data=form, timeout=TIMEOUT) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 302:
        print(f"sign-in: expected 302, got HTTP {status}", file=sys.stderr)
        return 1
    print("; ".join(f"{cookie.name}={cookie.value}" for cookie in jar))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
