"""pgbench under pqward in every query mode and in a pipeline."""
import pytest

PGBENCH = "/usr/lib/postgresql/15/bin/pgbench"


@pytest.fixture(scope="module", autouse=True)
def initialised(pg):
    pg.sql("CREATE DATABASE bench")
    pg.run(PGBENCH, "-i", "-s", "1", "-q", "-h", pg.sock, "-p", str(pg.port), "-U", "postgres",
           "bench")


def run(clients, *args):
    clients.env["PGDATABASE"] = "bench"
    return clients.wrapped(PGBENCH, "-n", "-c", "1", *args)


def bench_events(clients):
    return [e for e in clients.statements() if e["sql"].startswith("SELECT abalance")]


def test_simple(clients):
    run(clients, "-M", "simple", "-t", "5", "-S")
    evs = bench_events(clients)
    assert len(evs) == 5
    assert all(e["api"] == "PQsendQuery" and e["params"] is None and e["rows"] == 1 for e in evs)


def test_extended_params_recorded(clients):
    run(clients, "-M", "extended", "-t", "5", "-S")
    evs = bench_events(clients)
    assert len(evs) == 5
    assert all(e["api"] == "PQsendQueryParams" and len(e["params"]) == 1 for e in evs)
    assert all(e["sql"].endswith("aid = $1;") and int(e["params"][0]) > 0 for e in evs)


def test_prepared_links_name_to_text(clients):
    run(clients, "-M", "prepared", "-t", "5", "-S")
    prepares = [e for e in clients.statements() if e["kind"] == "prepare"]
    executes = [e for e in clients.statements() if e["kind"] == "execute"]
    assert len(prepares) == 1 and len(executes) == 5
    name, text = prepares[0]["statement_name"], prepares[0]["sql"]
    assert all(e["statement_name"] == name and e["sql"] == text for e in executes)
    assert all(e["status"] == "PGRES_TUPLES_OK" and len(e["params"]) == 1 for e in executes)


def test_custom_script_counts(clients, tmp_path):
    script = tmp_path / "tx.sql"
    script.write_text("\\set aid random(1, 100000)\n"
                      "SELECT abalance FROM pgbench_accounts WHERE aid = :aid;\n"
                      "SELECT 1;\n")
    run(clients, "-M", "extended", "-t", "4", "-f", str(script))
    sqls = [e["sql"] for e in clients.statements()]
    assert sum(s.startswith("SELECT abalance") for s in sqls) == 4
    assert sum(s.strip() == "SELECT 1;" for s in sqls) == 4


def test_pipeline_each_statement_its_own_event(clients, tmp_path):
    script = tmp_path / "pipe.sql"
    script.write_text("\\startpipeline\nSELECT 11;\nSELECT 12;\nSELECT 13;\n\\endpipeline\n")
    run(clients, "-M", "extended", "-t", "3", "-f", str(script))
    evs = [e for e in clients.statements() if e["sql"].strip() in
           ("SELECT 11;", "SELECT 12;", "SELECT 13;")]
    assert len(evs) == 9
    assert [e["values"] for e in evs[:3]] == [[["11"]], [["12"]], [["13"]]]
    assert all(e["status"] == "PGRES_TUPLES_OK" for e in evs)
