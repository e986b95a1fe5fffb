"""Integration tests of identity::Provider (through identity_probe) against the
real test OpenID provider, the real pqward-broker and a real PostgreSQL 15."""
import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from conftest import AUDIENCE, BUILD, Broker, probe, psql_as


def vault(url, path, body=None, token=None, method=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{url}/v1/{path}", data=data, method=method)
    if token:
        req.add_header("X-Vault-Token", token)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            text = r.read()
            return r.status, json.loads(text) if text else {}
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def test_token_login_creds_and_role_works(client_config, pg, broker):
    rc, out = probe(client_config(), pg)
    assert out["matches"] is True
    assert out["username"].startswith("v-agent-nightly_agent-")
    assert out["lease_id"].startswith("database/creds/readonly/")
    assert out["expires_at_us"] > time.time() * 1e6 + 200e6
    assert out["actor"]["subject"] == "nightly-agent"
    assert out["actor"]["client_id"] == "nightly-agent"
    assert out["actor"]["groups"] == ["agents"]
    # The role exists with a VALID UNTIL and the granted group, and it works.
    assert pg.sql(f"SELECT rolvaliduntil IS NOT NULL FROM pg_roles WHERE rolname = '{out['username']}'") == "t"
    r = psql_as(pg, out["username"], out["password"], "SELECT count(*) FROM items")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "2"
    # Issuance is logged with the subject, never the password.
    log = broker.log_text()
    assert f"issue lease={out['lease_id']}" in log and "subject=nightly-agent" in log
    assert out["password"] not in log


def test_token_cache_file_is_0600_and_reused(client_config, pg, tmp_path):
    config = client_config()
    probe(config, pg)
    cache = tmp_path / "cache" / "tokens.json"
    assert oct(cache.stat().st_mode & 0o777) == "0o600"
    assert oct(cache.parent.stat().st_mode & 0o777) == "0o700"
    before = cache.read_text()
    probe(config, pg)  # second process: token from the cache, same file content
    assert cache.read_text() == before


def test_renew_for_reset_extends_lease(client_config, pg):
    rc, out = probe(client_config(creds_path="database/creds/short"), pg, "--renew")
    assert out["expires_at_us"] >= out["first_expires_at_us"]


def test_lease_expiry_drops_role_and_terminates_session(client_config, pg, broker):
    rc, out = probe(client_config(creds_path="database/creds/short"), pg)
    user, password = out["username"], out["password"]
    env = dict(os.environ, PGPASSWORD=password)
    # An open session that outlives the lease: psql reading queries from a pipe.
    session = subprocess.Popen(["psql", "-X", "-At", f"host=127.0.0.1 port={pg.port} dbname=app user={user}"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=env, text=True)
    session.stdin.write("SELECT 'alive';\n")
    session.stdin.flush()
    assert session.stdout.readline().strip() == "alive"
    deadline = time.time() + 15
    while time.time() < deadline and pg.sql(f"SELECT count(*) FROM pg_roles WHERE rolname = '{user}'") != "0":
        time.sleep(0.3)
    assert pg.sql(f"SELECT count(*) FROM pg_roles WHERE rolname = '{user}'") == "0"
    session.stdin.write("SELECT 'still here';\n")
    session.stdin.flush()
    try:
        out_text, err_text = session.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        session.kill()
        raise
    assert "still here" not in out_text
    assert "terminat" in err_text or "closed" in err_text
    assert pg.sql(f"SELECT count(*) FROM pg_stat_activity WHERE usename = '{user}'") == "0"
    assert "expire lease=" in broker.log_text()
    # And the credentials no longer work.
    assert psql_as(pg, user, password, "SELECT 1").returncode != 0


def test_revoke_drops_role_at_once(idp, pg, broker):
    status, login = vault(broker.url, "auth/jwt/login", {"role": "agent", "jwt": idp.token()})
    assert status == 200
    token = login["auth"]["client_token"]
    status, creds = vault(broker.url, "database/creds/readonly", token=token)
    assert status == 200
    user = creds["data"]["username"]
    assert pg.sql(f"SELECT count(*) FROM pg_roles WHERE rolname = '{user}'") == "1"
    status, _ = vault(broker.url, "sys/leases/revoke", {"lease_id": creds["lease_id"]}, token)
    assert status == 204
    assert pg.sql(f"SELECT count(*) FROM pg_roles WHERE rolname = '{user}'") == "0"
    assert f"revoke lease={creds['lease_id']}" in broker.log_text()


def test_leases_survive_broker_restart(workdir, idp, pg):
    b = Broker(workdir, idp, pg, name="restart", short_ttl=2)
    try:
        status, login = vault(b.url, "auth/jwt/login", {"role": "agent", "jwt": idp.token()})
        status, creds = vault(b.url, "database/creds/short", token=login["auth"]["client_token"])
        user = creds["data"]["username"]
        assert oct(os.stat(b.state).st_mode & 0o777) == "0o600"
        assert creds["data"]["password"] not in open(b.state).read()
        b.stop()  # the lease expires while the broker is down
        time.sleep(3)
        assert pg.sql(f"SELECT count(*) FROM pg_roles WHERE rolname = '{user}'") == "1"
        b.start()  # reloaded lease table: the reaper drops it
        deadline = time.time() + 10
        while time.time() < deadline and pg.sql(f"SELECT count(*) FROM pg_roles WHERE rolname = '{user}'") != "0":
            time.sleep(0.3)
        assert pg.sql(f"SELECT count(*) FROM pg_roles WHERE rolname = '{user}'") == "0"
    finally:
        b.stop()


def test_role_map_refuses_other_clients(idp, broker, client_config, pg, tmp_path):
    token = idp.token("other-agent", "other-secret-0123456789")
    status, body = vault(broker.url, "auth/jwt/login", {"role": "agent", "jwt": token})
    assert status == 403
    assert "does not admit this token" in body["errors"][0]


def test_disabled_client_cannot_connect(idp, client_config, pg):
    config = client_config()
    idp.admin("disable", "nightly-agent")
    try:
        rc, err = probe(config, pg, check=False)
    finally:
        idp.admin("enable", "nightly-agent")
    assert rc == 1
    assert err.startswith("Identity: OpenID provider http://127.0.0.1:")
    assert "invalid_client" in err


def test_wrong_audience_refused(client_config, pg):
    rc, err = probe(client_config(audience="https://other.test"), pg, check=False)
    assert rc == 1
    assert "Broker: broker http://127.0.0.1:" in err and "HTTP 403" in err
    assert "audience" in err


def test_expired_token_refused(idp, broker):
    token = idp.token(resource="https://broker.test/short")  # 2 s token, different audience
    time.sleep(3)
    status, body = vault(broker.url, "auth/jwt/login", {"role": "agent", "jwt": token})
    assert status == 403
    assert "expired" in body["errors"][0] or "audience" in body["errors"][0]


def test_expired_token_file_refused_before_network(tmp_path, client_config, pg, idp):
    token_file = tmp_path / "token"
    token = idp.token(resource="https://broker.test/short")
    token_file.write_text(token)
    os.chmod(token_file, 0o600)
    time.sleep(3)
    rc, err = probe(client_config(grant_lines=f'grant = "token_file"\ntoken_file = "{token_file}"\n'), pg,
                    check=False)
    assert rc == 1
    assert "has expired" in err


def test_idp_unreachable_bounded(client_config, pg):
    from conftest import free_port
    start = time.time()
    rc, err = probe(client_config(issuer=f"http://127.0.0.1:{free_port()}"), pg, check=False)
    assert rc == 1
    assert "OpenID provider http://127.0.0.1:" in err and "unreachable" in err
    assert time.time() - start < 10


class FakeBroker:
    """A loopback HTTP server answering every request with a fixed reply."""

    def __init__(self, status, body, delay=0):
        import http.server
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_any(self):
                time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())
            do_GET = do_POST = do_PUT = do_any

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.mark.parametrize("status,body,expect", [
    (403, '{"errors":["permission denied"]}', "answered HTTP 403: permission denied"),
    (500, '{"errors":["internal error"]}', "answered HTTP 500: internal error"),
    (200, 'this is not json', "answered with malformed JSON"),
    (200, '{"auth": {"client_token": 5}}', "login answer has no auth.client_token"),
])
def test_broker_errors_are_clear(client_config, pg, status, body, expect):
    fake = FakeBroker(status, body)
    try:
        start = time.time()
        rc, err = probe(client_config(broker_url=fake.url), pg, check=False)
        assert rc == 1
        assert err.startswith(f"Broker: broker {fake.url}")
        assert expect in err
        assert time.time() - start < 15
    finally:
        fake.close()


def test_broker_hang_times_out(client_config, pg):
    fake = FakeBroker(200, "{}", delay=30)
    try:
        start = time.time()
        rc, err = probe(client_config(broker_url=fake.url, timeout_ms=1000), pg, check=False)
        assert rc == 1
        assert "unreachable" in err and "timed out" in err.lower()
        assert time.time() - start < 10
    finally:
        fake.close()


def test_private_key_jwt_client(workdir, pg, broker, tmp_path):
    """client_credentials with a private_key_jwt assertion signed by a local EC key."""
    from conftest import Idp
    key = tmp_path / "client.pem"
    subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-out", str(key)], check=True, capture_output=True)
    os.chmod(key, 0o600)
    jwk = subprocess.run(["node", "-e", "const c=require('crypto');const k=c.createPublicKey("
                          "require('fs').readFileSync(process.argv[1]));"
                          "console.log(JSON.stringify({keys:[{...k.export({format:'jwk'}),kid:'k1',alg:'ES256',use:'sig'}]}))",
                          str(key)], check=True, capture_output=True, text=True).stdout
    jwks = tmp_path / "client-jwks.json"
    jwks.write_text(jwk)
    idp2 = Idp(str(tmp_path), alg="ES256", extra=["--client-jwks", str(jwks)])
    b2 = Broker(str(tmp_path), idp2, pg, name="es256")
    try:
        config = tmp_path / "pk.toml"
        config.write_text(f"""
[identity]
issuer = "{idp2.issuer}"
client_id = "key-agent"
private_key_file = "{key}"
key_id = "k1"
scope = "db"
audience = "{AUDIENCE}"
allow_insecure_http_for_loopback = true
token_cache = "off"
[[broker.target]]
host = "127.0.0.1"
url = "{b2.url}"
auth_role = "agent"
creds_path = "database/creds/readonly"
""")
        rc, out = probe(str(config), pg)
        assert out["actor"]["client_id"] == "key-agent"
        r = psql_as(pg, out["username"], out["password"], "SELECT name FROM items ORDER BY id LIMIT 1")
        assert r.stdout.strip() == "one"
    finally:
        b2.stop()
        idp2.stop()
