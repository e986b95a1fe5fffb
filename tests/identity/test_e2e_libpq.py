"""Identity end to end through libpq: unmodified clients under `pqward run`
connect with broker credentials they never see, and the journal names the
OIDC identity that ran each session."""
import json
import os
import subprocess
import textwrap
import time

from conftest import BUILD, free_port

PQWARD = os.path.join(BUILD, "tools", "pqward", "pqward")
PSQL = "/usr/lib/postgresql/15/bin/psql"


def run(config, journal, pg, *cmd, env_extra=None, check=True):
    env = dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(pg.port), PGDATABASE="app",
               **(env_extra or {}))
    for var in ("PGPASSWORD", "PGUSER", "PQWARD_JOURNAL", "PQWARD_CONFIG"):
        if var not in (env_extra or {}):
            env.pop(var, None)
    return subprocess.run([PQWARD, "run", "--journal", journal, "--config", config, "--", *cmd],
                          env=env, capture_output=True, text=True, check=check, timeout=90)


def events(journal, kind=None):
    out = subprocess.run([PQWARD, "export", "--format", "jsonl", "--journal", journal],
                         capture_output=True, text=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines() if kind is None or json.loads(l)["kind"] == kind]


def test_psql_connects_with_broker_credentials(client_config, pg, broker, tmp_path):
    journal = str(tmp_path / "j.db")
    r = run(client_config(), journal, pg, PSQL, "-X", "-At", "-c",
            "select current_user, count(*) from items")
    user, count = r.stdout.strip().split("|")
    assert user.startswith("v-agent-") and count == "2"
    [start] = events(journal, "session_start")
    assert start["extra"]["brokered"] is True
    assert start["actor"]["source"] == "oidc" and start["actor"]["sub"] == "nightly-agent"
    assert start["actor"]["client_id"] == "nightly-agent"
    assert start["extra"]["db_user"] == user


def test_program_never_sees_the_password(client_config, pg, broker, tmp_path):
    code = textwrap.dedent("""
        import psycopg
        with psycopg.connect("") as c:
            opts = {o.keyword.decode(): o.val for o in c.pgconn.info}
            print(repr(c.pgconn.password), repr(opts.get("password")), c.info.user)
    """)
    journal = str(tmp_path / "j.db")
    r = run(client_config(), journal, pg, "/usr/bin/python3", "-c", code)
    password, option, user = r.stdout.split()
    assert password == "b''" and option == "None" and user.startswith("v-agent-")
    data = open(journal, "rb").read().lower()
    assert data.count(b"password") == data.count(b"password_ignored")  # no credential field


def test_second_connection_reuses_cached_credentials(client_config, pg, broker, tmp_path):
    code = textwrap.dedent("""
        import psycopg2
        users = []
        for _ in range(2):
            c = psycopg2.connect("")
            cur = c.cursor()
            cur.execute("select current_user")
            users.append(cur.fetchone()[0])
            c.close()
        print(users[0] == users[1], users[0])
    """)
    before = broker.log_text().count("issue lease=")
    r = run(client_config(), str(tmp_path / "j.db"), pg, "/usr/bin/python3", "-c", code)
    same, user = r.stdout.split()
    assert same == "True" and user.startswith("v-agent-")
    assert broker.log_text().count("issue lease=") == before + 1


def test_program_password_is_ignored_and_journaled(client_config, pg, broker, tmp_path):
    journal = str(tmp_path / "j.db")
    r = run(client_config(), journal, pg, PSQL, "-X", "-At", "-c", "select current_user",
            env_extra={"PGPASSWORD": "stale-contractor-password", "PGUSER": "contractor"})
    assert r.stdout.strip().startswith("v-agent-")
    [start] = events(journal, "session_start")
    assert start["extra"]["password_ignored"] is True
    assert b"stale-contractor-password" not in open(journal, "rb").read()


def test_unreachable_idp_fails_clearly_and_quickly(client_config, pg, tmp_path):
    config = client_config(issuer=f"http://127.0.0.1:{free_port()}")
    t0 = time.time()
    r = run(config, str(tmp_path / "j.db"), pg, PSQL, "-X", "-c", "select 1", check=False)
    assert r.returncode != 0 and "pqward:" in r.stderr
    assert "identity" in r.stderr.lower() or "openid" in r.stderr.lower(), r.stderr
    assert time.time() - t0 < 30


def test_untrusted_tls_certificate_is_refused(client_config, pg, tmp_path):
    """An https issuer whose certificate does not verify: no token, no connection,
    and the message names the identity provider and the certificate problem."""
    import http.server
    import ssl
    import threading
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        config = client_config(issuer=f"https://127.0.0.1:{server.server_address[1]}")
        r = run(config, str(tmp_path / "j.db"), pg, PSQL, "-X", "-c", "select 1", check=False)
    finally:
        server.shutdown()
    assert r.returncode != 0 and "pqward:" in r.stderr
    assert "certificate" in r.stderr.lower() or "ssl" in r.stderr.lower(), r.stderr
