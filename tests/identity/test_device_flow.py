"""The device authorization grant for humans (RFC 8628), scripted: pqward-psql
--login-only prints the verification URL and user code; the test drives the
provider's device pages with an HTTP client as a user would in a browser, then
the stored refresh token gives broker credentials through the refresh_token grant."""
import http.cookiejar
import os
import re
import subprocess
import time
import urllib.parse
import urllib.request

from conftest import AUDIENCE, BUILD, probe, psql_as


def approve(verification_uri, user_code, login):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(verification_uri).read().decode()
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"xsrf": xsrf, "user_code": user_code}).encode()
    page = opener.open(verification_uri, form).read().decode()  # confirm page
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"xsrf": xsrf, "user_code": user_code, "confirm": "yes"}).encode()
    resp = opener.open(verification_uri, form)  # -> our login interaction
    base = verification_uri.split("/device")[0]
    page = resp.read().decode()
    for _ in range(3):  # login, then consent: the same one-field form
        m = re.search(r'action="(/interaction/[^"]+)"', page)
        if not m:
            return page
        page = opener.open(base + m.group(1), urllib.parse.urlencode({"login": login}).encode()).read().decode()
    return page


def test_device_flow_login_then_refresh_token_connects(tmp_path, idp, broker, pg):
    refresh = tmp_path / "refresh_token"
    config = tmp_path / "human.toml"
    config.write_text(f"""
[identity]
issuer = "{idp.issuer}"
grant = "refresh_token"
client_id = "pqward-psql"
refresh_token_file = "{refresh}"
scope = "openid offline_access db"
audience = "{AUDIENCE}"
allow_insecure_http_for_loopback = true
token_cache = "{tmp_path / 'tokens.json'}"
[[broker.target]]
host = "127.0.0.1"
dbname = "app"
url = "{broker.url}"
auth_role = "dba"
creds_path = "database/creds/readonly"
""")
    login = subprocess.Popen([os.path.join(BUILD, "tools/pqward-psql/pqward-psql"), "--login-only",
                              "--config", str(config)], stderr=subprocess.PIPE, text=True)
    line = login.stderr.readline()
    m = re.match(r"To sign in, open (\S+) and enter the code: (\S+)", line)
    assert m, line
    page = approve(m.group(1), m.group(2), "alice")
    assert "success" in page.lower(), page[-500:]
    assert login.wait(60) == 0, login.stderr.read()
    assert oct(refresh.stat().st_mode & 0o777) == "0o600"

    rc, out = probe(str(config), pg)
    assert out["actor"]["subject"] == "alice"
    assert out["actor"]["groups"] == ["dba"]
    assert out["username"].startswith("v-dba-alice-")
    r = psql_as(pg, out["username"], out["password"], "SELECT count(*) FROM items")
    assert r.stdout.strip() == "2", r.stderr
