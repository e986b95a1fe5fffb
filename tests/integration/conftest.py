"""Fixtures for the foundation integration tests: one throwaway PostgreSQL 15
for the session (tests/harness.py), a fresh journal per test, and helpers to
run real clients under `pqward run` and read the journal back with
`pqward export`."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness import BUILD, PGBIN, Postgres  # noqa: E402

PQWARD = os.path.join(BUILD, "tools", "pqward", "pqward")
PY = "/usr/bin/python3"


class Clients:
    """Runs programs with and without pqward against the test server."""

    def __init__(self, pg, journal):
        self.pg = pg
        self.journal = journal
        self.shim = os.path.join(BUILD, "lib", "libpqward.so")
        self.env = dict(os.environ, PGHOST=pg.sock, PGPORT=str(pg.port), PGUSER="postgres",
                        PGDATABASE="app")
        for var in ("PQWARD_CONFIG", "PQWARD_JOURNAL", "LD_PRELOAD"):
            self.env.pop(var, None)

    def plain(self, *cmd, check=True, **kw):
        return subprocess.run(list(cmd), env=self.env, capture_output=True, text=True,
                              check=check, timeout=120, **kw)

    def wrapped(self, *cmd, check=True, config=None, **kw):
        args = [PQWARD, "run", "--journal", self.journal]
        if config:
            args += ["--config", config]
        return subprocess.run(args + ["--"] + list(cmd), env=self.env, capture_output=True,
                              text=True, check=check, timeout=120, **kw)

    def events(self, kinds=None):
        out = subprocess.run([PQWARD, "export", "--format", "jsonl", "--journal", self.journal],
                             capture_output=True, text=True, check=True).stdout
        evs = [json.loads(line) for line in out.splitlines()]
        return [e for e in evs if kinds is None or e["kind"] in kinds]

    def statements(self):
        return [e for e in self.events() if e["kind"] not in
                ("session_start", "session_end", "connect_failed")]

    def sql(self, query, db="app"):
        return self.pg.sql(query, db=db)


@pytest.fixture(scope="session")
def pg():
    base = tempfile.mkdtemp(prefix="pqward-it-")
    os.chmod(base, 0o755)
    p = Postgres(os.path.join(base, "pg"))
    p.start()
    p.sql("CREATE TABLE t(id int primary key, s text); INSERT INTO t SELECT g, 'row' || g "
          "FROM generate_series(1, 5) g;", db="app")
    yield p
    p.stop()
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def clients(pg, tmp_path):
    os.chmod(tmp_path, 0o755)
    return Clients(pg, str(tmp_path / "journal.db"))
