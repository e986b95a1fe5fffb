"""Shared parts of the pytest suites: a throwaway PostgreSQL 15 (initdb as the
postgres user when run as root, its own port on loopback), the test OpenID
provider from tests/idp (oidc-provider, `npm ci` on first use) and a real
pqward-broker. Imported by the conftest.py of each suite (sys.path has tests/).
PQWARD_BUILD_DIR names the meson build dir (default: <repo>/build)."""
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("PQWARD_BUILD_DIR", os.path.join(ROOT, "build"))
PGBIN = "/usr/lib/postgresql/15/bin"
IDP_DIR = os.path.join(ROOT, "tests", "idp")
AUDIENCE = "https://broker.test"

# meson puts the build's library folders (the drop-in libpq.so.5 among them)
# on LD_LIBRARY_PATH for tests; a "plain" run must not load pqward by accident.
os.environ["LD_LIBRARY_PATH"] = ":".join(
    p for p in os.environ.get("LD_LIBRARY_PATH", "").split(":")
    if p and not os.path.realpath(p).startswith(os.path.realpath(BUILD)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout=20, what="service"):
    end = time.time() + timeout
    while time.time() < end:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not come up")


def write_secret(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


class Postgres:
    def __init__(self, base):
        self.port = free_port()
        self.data = os.path.join(base, "pgdata")
        self.sock = os.path.join(base, "pgsock")
        os.makedirs(self.sock)
        os.chmod(os.path.dirname(base), 0o755)
        self.as_root = os.geteuid() == 0
        if self.as_root:
            pw = pwd.getpwnam("postgres")
            for p in (base, self.sock):
                os.chown(p, pw.pw_uid, pw.pw_gid)
            os.chmod(base, 0o755)

    def run(self, *args, **kw):
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)

    def start(self):
        self.run(f"{PGBIN}/initdb", "-D", self.data, "-U", "postgres", "--auth-local=trust",
                 "--auth-host=scram-sha-256")
        self.run(f"{PGBIN}/pg_ctl", "-D", self.data, "-w", "-l", self.data + "/log", "-o",
                 f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1", "start")
        self.sql("CREATE DATABASE app")
        self.sql("CREATE ROLE app_readonly NOLOGIN; CREATE TABLE items(id int, name text);"
                 "INSERT INTO items VALUES (1, 'one'), (2, 'two');"
                 "GRANT SELECT ON items TO app_readonly;", db="app")

    def stop(self):
        self.run(f"{PGBIN}/pg_ctl", "-D", self.data, "-m", "immediate", "stop")

    def admin_conninfo(self, db="app"):
        return f"host={self.sock} port={self.port} user=postgres dbname={db}"

    def sql(self, query, db="postgres"):
        out = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", query,
                              self.admin_conninfo(db)], check=True, capture_output=True, text=True)
        return out.stdout.strip()


class Idp:
    def __init__(self, base, alg="RS256", extra=()):
        if not os.path.isdir(os.path.join(IDP_DIR, "node_modules", "oidc-provider")):
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=IDP_DIR, check=True,
                           capture_output=True)
        self.log = open(os.path.join(base, f"idp-{alg}.log"), "w")
        self.proc = subprocess.Popen(["node", os.path.join(IDP_DIR, "server.mjs"), "--alg", alg,
                                      *extra], stdout=subprocess.PIPE, stderr=self.log, text=True)
        info = json.loads(self.proc.stdout.readline())
        self.issuer = info["issuer"]

    def admin(self, action, client_id):
        req = urllib.request.Request(f"{self.issuer}/admin/{action}?client_id={client_id}",
                                     method="POST")
        urllib.request.urlopen(req).read()

    def token(self, client_id="nightly-agent", secret="agent-secret-0123456789",
              resource=AUDIENCE):
        data = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": client_id,
                                       "client_secret": secret, "scope": "db",
                                       "resource": resource}).encode()
        with urllib.request.urlopen(f"{self.issuer}/token", data) as r:
            return json.load(r)["access_token"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


class Broker:
    def __init__(self, base, idp, pg, name="broker", short_ttl=3):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.state = os.path.join(base, f"{name}-leases.json")
        self.log = os.path.join(base, f"{name}.log")
        self.config = os.path.join(base, f"{name}.toml")
        with open(self.config, "w") as f:
            f.write(f"""
[broker]
listen = "127.0.0.1:{self.port}"
allow_http_loopback = true
state_file = "{self.state}"
log_file = "{self.log}"
reap_interval_ms = 300

[oidc]
issuer = "{idp.issuer}"
audience = "{AUDIENCE}"
allow_insecure_http_for_loopback = true
leeway_s = 0
timeout_ms = 3000

[database]
conninfo = "{pg.admin_conninfo()}"

[[role]]
name = "agent"
bound_client_ids = ["nightly-agent", "key-agent"]
creds = ["database/creds/readonly", "database/creds/short"]

[[role]]
name = "dba"
bound_groups = ["dba"]
creds = ["database/creds/readonly"]

[[creds]]
path = "database/creds/readonly"
group_role = "app_readonly"
default_ttl_s = 300
max_ttl_s = 3600

[[creds]]
path = "database/creds/short"
group_role = "app_readonly"
default_ttl_s = {short_ttl}
max_ttl_s = 60
""")
        self.start()

    def start(self):
        self.proc = subprocess.Popen([os.path.join(BUILD, "tools/broker/pqward-broker"), "-c",
                                      self.config], stderr=subprocess.DEVNULL)
        wait_for(lambda: urllib.request.urlopen(f"{self.url}/v1/sys/health", timeout=1),
                 what="pqward-broker")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)

    def log_text(self):
        with open(self.log) as f:
            return f.read()




def main(argv):
    """`harness.py pg start|stop DIR`: a throwaway PostgreSQL for scripts
    (tools/scripts/demo.sh, the benchmarks); `start` prints its port. Local
    connections through DIR/pg/pgsock are trusted; TCP needs a password."""
    if len(argv) != 3 or argv[0] != "pg" or argv[1] not in ("start", "stop"):
        raise SystemExit("usage: harness.py pg start|stop DIR")
    base = os.path.join(argv[2], "pg")
    if argv[1] == "start":
        os.makedirs(argv[2], exist_ok=True)
        pg = Postgres(base)
        pg.start()
        with open(os.path.join(argv[2], "port"), "w") as f:
            f.write(str(pg.port))
        print(pg.port)
    else:
        cmd = [f"{PGBIN}/pg_ctl", "-D", os.path.join(base, "pgdata"), "-m", "immediate", "stop"]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        subprocess.run(cmd, capture_output=True)

if __name__ == "__main__":
    import sys
    main(sys.argv[1:])
