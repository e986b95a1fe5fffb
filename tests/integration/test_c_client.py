"""A C program linked against libpqward.so instead of -lpq."""
import os
import subprocess

from conftest import BUILD


def test_linked_client_every_path(clients):
    exe = os.path.join(BUILD, "tests", "integration", "integration_client")
    env = dict(clients.env, PQWARD_JOURNAL=clients.journal)
    out = subprocess.run([exe], env=env, capture_output=True, text=True, check=True,
                         timeout=60).stdout.splitlines()
    assert out == ["session known", "params 259", "prepared 20", "async 5", "parts 2",
                   "pipeline 101", "pipeline 201", "single-row 5", "cancelled 57014"]
    evs = {e["sql"]: e for e in clients.statements()}
    assert evs["select $1::int4 + 1"]["params"] == ["\\x00000102"]
    prepare = [e for e in clients.statements() if e["kind"] == "prepare"]
    assert len(prepare) == 1 and prepare[0]["statement_name"] == "double_it"
    execute = [e for e in clients.statements() if e["kind"] == "execute"]
    assert len(execute) == 1 and execute[0]["sql"] == "select $1::int * 2"
    assert execute[0]["statement_name"] == "double_it" and execute[0]["params"] == ["10"]
    assert evs["select count(*) from t"]["values"] == [["5"]]
    single = evs["select id from t order by id"]
    assert single["rows"] == 5 and single["status"] == "PGRES_TUPLES_OK"
    assert evs["select $1::int + 100"]["values"] == [["101"]]
    assert evs["select $1::int + 200"]["values"] == [["201"]]
    assert evs["select pg_sleep(10)"]["status"] == "CANCELLED"
    assert evs["select pg_sleep(10)"]["error"]["sqlstate"] == "57014"
    # Each result of a two-statement send has its own columns and rows only.
    parts = [e for e in clients.statements()
             if e["sql"] == "select 1 as a, 'x' as b; select 2 as c"]
    assert [[c["name"] for c in e["columns"]] for e in parts] == [["a", "b"], ["c"]]
    assert [e["values"] for e in parts] == [[["1", "x"]], [["2"]]]
    assert [e.get("extra", {}).get("part") for e in parts] == [None, 1]
    assert len(clients.statements()) == 10  # each statement exactly once
