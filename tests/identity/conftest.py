"""Fixtures for the identity integration tests: a real PostgreSQL 15 (initdb
as the postgres user when run as root), the test OpenID provider from
tests/idp (oidc-provider, `npm ci` on first use) and a real pqward-broker,
all on loopback ports, from the shared tests/harness.py.
PQWARD_BUILD_DIR names the meson build dir."""
import os
import shutil
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import *  # noqa: E402,F401,F403  (shared with the other suites)
from harness import AUDIENCE, BUILD, Broker, Idp, Postgres, write_secret  # noqa: E402

@pytest.fixture(scope="session")
def workdir():
    d = tempfile.mkdtemp(prefix="pqward-identity-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def pg(workdir):
    p = Postgres(os.path.join(workdir, "pg"))
    p.start()
    yield p
    p.stop()


@pytest.fixture(scope="session")
def idp(workdir):
    i = Idp(workdir)
    yield i
    i.stop()


@pytest.fixture(scope="session")
def broker(workdir, idp, pg):
    b = Broker(workdir, idp, pg)
    yield b
    b.stop()


@pytest.fixture
def client_config(tmp_path, idp, broker):
    """Writes a pqward config; returns a function(**overrides) -> path."""
    secret = write_secret(str(tmp_path / "agent.secret"), "agent-secret-0123456789\n")

    def make(issuer=None, broker_url=None, creds_path="database/creds/readonly", role="agent",
             client_id="nightly-agent", secret_file=secret, audience=AUDIENCE, extra="",
             grant_lines=None, timeout_ms=2000):
        path = tmp_path / "pqward.toml"
        grant = grant_lines or (f'grant = "client_credentials"\nclient_id = "{client_id}"\n'
                                f'client_secret_file = "{secret_file}"\n')
        path.write_text(f"""
[identity]
issuer = "{issuer or idp.issuer}"
{grant}scope = "db"
audience = "{audience}"
allow_insecure_http_for_loopback = true
token_cache = "{tmp_path / 'cache' / 'tokens.json'}"
timeout_ms = {timeout_ms}
retries = 1
{extra}
[[broker.target]]
host = "127.0.0.1"
dbname = "app"
url = "{broker_url or broker.url}"
auth_role = "{role}"
creds_path = "{creds_path}"
""")
        return str(path)

    return make


def probe(config, pg, *flags, check=True, timeout=60):
    """Runs identity_probe; returns (returncode, parsed JSON or stderr)."""
    env = dict(os.environ, PQWARD_CONFIG=config)
    out = subprocess.run([os.path.join(BUILD, "tests/identity/identity_probe"), *flags,
                          "127.0.0.1", str(pg.port), "app"], env=env, capture_output=True,
                         text=True, timeout=timeout)
    if out.returncode == 0:
        return 0, json.loads(out.stdout)
    if check:
        raise AssertionError(f"identity_probe failed: {out.stderr}")
    return out.returncode, out.stderr


def psql_as(pg, user, password, query):
    env = dict(os.environ, PGPASSWORD=password)
    return subprocess.run(["psql", "-X", "-At", "-c", query,
                           f"host=127.0.0.1 port={pg.port} dbname=app user={user}"],
                          env=env, capture_output=True, text=True, timeout=30)
