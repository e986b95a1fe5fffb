"""Bad input and faults: a clear libpq-style error, nothing sent unrecorded."""
import os
import subprocess

from conftest import BUILD, PQWARD

PSQL = "/usr/lib/postgresql/15/bin/psql"


def psql_env(clients, **extra):
    """Runs psql with the shim preloaded directly (no `pqward run` checks)."""
    return dict(clients.env, LD_PRELOAD=os.path.join(BUILD, "lib", "libpqward.so"), **extra)


def count_rows(clients):
    return int(clients.sql("select count(*) from guard"))


def test_malformed_config_names_file_and_line(clients, tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[journal]\ncapture_rows = \"many\"\n")
    r = clients.wrapped(PSQL, "-X", "-c", "select 1", config=str(cfg), check=False)
    assert r.returncode == 2 and f"{cfg}:2:" in r.stderr and "capture_rows" in r.stderr
    # The library refuses the same way when started without `pqward run`.
    r = subprocess.run([PSQL, "-X", "-c", "select 1"], capture_output=True, text=True,
                       env=psql_env(clients, PQWARD_CONFIG=str(cfg), PQWARD_JOURNAL=clients.journal))
    assert r.returncode == 2 and f"pqward: {cfg}:2:" in r.stderr


def test_unknown_key_refused(clients, tmp_path):
    cfg = tmp_path / "typo.toml"
    cfg.write_text("[journal]\ncapture_rowz = 5\n")
    r = clients.wrapped(PSQL, "-X", "-c", "select 1", config=str(cfg), check=False)
    assert r.returncode == 2 and "unknown key 'capture_rowz'" in r.stderr


def test_unwritable_journal_refuses_before_sending(clients, tmp_path):
    clients.sql("create table if not exists guard(x int)")
    before = count_rows(clients)
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    journal = str(blocker / "journal.db")
    r = subprocess.run([PSQL, "-X", "-c", "insert into guard values (1)"], capture_output=True,
                       text=True, env=psql_env(clients, PQWARD_JOURNAL=journal))
    assert r.returncode != 0 and "pqward:" in r.stderr and str(blocker) in r.stderr
    assert count_rows(clients) == before, "the statement must not reach the server"


def test_journal_that_is_not_sqlite(clients, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database at all" * 100)
    r = subprocess.run([PSQL, "-X", "-c", "select 1"], capture_output=True, text=True,
                       env=psql_env(clients, PQWARD_JOURNAL=str(junk)))
    assert r.returncode != 0 and "pqward:" in r.stderr and str(junk) in r.stderr
    r = subprocess.run([PQWARD, "verify", "--journal", str(junk)], capture_output=True, text=True)
    assert r.returncode == 2 and str(junk) in r.stderr


def test_newer_schema_refused(clients, tmp_path):
    import sqlite3
    clients.wrapped(PSQL, "-X", "-c", "select 1")
    db = sqlite3.connect(clients.journal)
    db.execute("update meta set value = '99' where key = 'schema_version'")
    db.commit()
    db.close()
    r = subprocess.run([PSQL, "-X", "-c", "select 1"], capture_output=True, text=True,
                       env=psql_env(clients, PQWARD_JOURNAL=clients.journal))
    assert r.returncode != 0 and "schema" in r.stderr


def test_fail_open_runs_and_warns(clients, tmp_path):
    clients.sql("create table if not exists guard(x int)")
    before = count_rows(clients)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cfg = tmp_path / "open.toml"
    cfg.write_text(f'[journal]\npath = "{blocker}/journal.db"\non_failure = "allow"\n')
    r = subprocess.run([PSQL, "-X", "-c", "insert into guard values (1)"], capture_output=True,
                       text=True, env=psql_env(clients, PQWARD_CONFIG=str(cfg)))
    assert r.returncode == 0 and "pqward:" in r.stderr and "on_failure" in r.stderr
    assert count_rows(clients) == before + 1
