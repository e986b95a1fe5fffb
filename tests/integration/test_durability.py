"""Durability, concurrency and tamper evidence of the journal."""
import sqlite3
import subprocess
import textwrap

from conftest import PQWARD, PY


def test_event_survives_sigkill(clients):
    code = textwrap.dedent("""
        import os, signal, psycopg2
        c = psycopg2.connect("")
        c.autocommit = True
        c.cursor().execute("insert into killed values (42)")
        print("done", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    clients.sql("create table if not exists killed(x int)")
    r = clients.wrapped(PY, "-c", code, check=False)
    assert r.returncode == -9 and r.stdout == "done\n"
    # Exporting drains the dead process's spool into the journal.
    inserts = [e for e in clients.statements() if e["sql"] == "insert into killed values (42)"]
    assert len(inserts) == 1 and inserts[0]["status"] == "PGRES_COMMAND_OK"


def test_many_processes_and_threads_one_journal(clients):
    code = textwrap.dedent("""
        import sys, threading, psycopg2
        def work(t):
            c = psycopg2.connect("")
            cur = c.cursor()
            for i in range(20):
                cur.execute("select %s", (f"p{sys.argv[1]}-t{t}-{i}",))
            c.close()
        ts = [threading.Thread(target=work, args=(t,)) for t in range(3)]
        [t.start() for t in ts]
        [t.join() for t in ts]
    """)
    procs = [subprocess.Popen([PQWARD, "run", "--journal", clients.journal, "--", PY, "-c", code,
                               str(p)], env=clients.env, stderr=subprocess.PIPE, text=True)
             for p in range(8)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert all(p.returncode == 0 for p in procs) and not any(errors), errors
    sqls = [e["sql"] for e in clients.statements() if e["sql"].startswith("select 'p")]
    expected = {f"select 'p{p}-t{t}-{i}'" for p in range(8) for t in range(3) for i in range(20)}
    assert len(sqls) == len(expected) and set(sqls) == expected
    assert len(clients.events(["session_start"])) == 24
    r = subprocess.run([PQWARD, "verify", "--journal", clients.journal], capture_output=True,
                       text=True)
    assert r.returncode == 0 and r.stdout.startswith("ok: 24 sessions")


def verify(journal):
    return subprocess.run([PQWARD, "verify", "--journal", journal], capture_output=True, text=True)


def rewrite_session(db, session, edit):
    """Replaces a session's chunks by one chunk of edit(lines), as someone
    editing the journal file would."""
    rows = db.execute("select lines from chunks where session = ? order by first_seq",
                      (session,)).fetchall()
    lines = "".join(r[0] for r in rows).splitlines(keepends=True)
    lines = edit(lines)
    db.execute("delete from chunks where session = ?", (session,))
    db.execute("insert into chunks values (?, 0, ?, ?)", (session, len(lines) - 1, "".join(lines)))


def test_verify_names_changed_removed_reordered(clients, tmp_path):
    clients.wrapped("/usr/lib/postgresql/15/bin/psql", "-X", "-c", "select 1", "-c", "select 2",
                    "-c", "select 3")
    assert verify(clients.journal).returncode == 0
    session = clients.events()[0]["session"]
    cases = {
        "changed": lambda ls: ls[:2] + [ls[2].replace("select 2", "select 9")] + ls[3:],
        "removed": lambda ls: ls[:2] + ls[3:],
        "reordered": lambda ls: ls[:1] + [ls[2], ls[1]] + ls[3:],
    }
    for name, edit in cases.items():
        copy = str(tmp_path / f"{name}.db")
        src = sqlite3.connect(clients.journal)
        dst = sqlite3.connect(copy)
        src.backup(dst)
        src.close()
        assert "select 2" in dst.execute("select body from events where seq = 2").fetchone()[0]
        rewrite_session(dst, session, edit)
        dst.commit()
        dst.close()
        r = verify(copy)
        assert r.returncode == 1, name
        assert f"session {session} event" in r.stderr, (name, r.stderr)
