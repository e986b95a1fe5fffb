"""psql under pqward: output unchanged, every statement journaled once."""
import os

PSQL = "/usr/lib/postgresql/15/bin/psql"


def test_query_output_unchanged_and_journaled(clients):
    q = "select id, s from t order by id limit 3"
    plain = clients.plain(PSQL, "-X", "-c", q)
    wrapped = clients.wrapped(PSQL, "-X", "-c", q)
    assert wrapped.stdout == plain.stdout
    [ev] = clients.statements()
    assert ev["sql"] == q and ev["api"] == "PQsendQuery"
    assert ev["status"] == "PGRES_TUPLES_OK" and ev["command_tag"] == "SELECT 3"
    assert ev["rows"] == 3
    assert ev["values"] == [["1", "row1"], ["2", "row2"], ["3", "row3"]]
    assert [c["name"] for c in ev["columns"]] == ["id", "s"]
    assert ev["columns"][0]["type"] == 23 and ev["columns"][0]["table"] != 0
    assert os.stat(clients.journal).st_mode & 0o777 == 0o600
    start = clients.events(["session_start"])[0]
    assert start["extra"]["exe"].endswith("psql") and start["extra"]["application_name"] == "psql"
    assert start["actor"]["name"]


def test_rows_journaled_up_to_capture_rows(clients, tmp_path):
    cfg = tmp_path / "rows.toml"
    cfg.write_text("[journal]\ncapture_rows = 2\n")
    q = "select g, null::text as n, '' as e from generate_series(1, 5) g"
    clients.wrapped(PSQL, "-X", "-c", q, config=str(cfg))
    [ev] = clients.statements()
    assert ev["rows"] == 5 and ev["command_tag"] == "SELECT 5"
    assert ev["values"] == [["1", None, ""], ["2", None, ""]]
    assert [c["name"] for c in ev["columns"]] == ["g", "n", "e"]
    assert [c["type"] for c in ev["columns"]] == [23, 25, 25]


def test_script_file_each_statement_once(clients, tmp_path):
    script = tmp_path / "s.sql"
    script.write_text("create temp table x(a int);\ninsert into x values (1),(2);\n"
                      "select count(*) from x;\n")
    clients.wrapped(PSQL, "-X", "-f", str(script))
    sqls = [e["sql"].strip() for e in clients.statements()]
    assert sqls == ["create temp table x(a int);", "insert into x values (1),(2);",
                    "select count(*) from x;"]
    assert clients.statements()[1]["command_tag"] == "INSERT 0 2"


def test_error_recorded_with_sqlstate(clients):
    r = clients.wrapped(PSQL, "-X", "-c", "select 1/0", check=False)
    assert r.returncode == 1 and "division by zero" in r.stderr
    [ev] = clients.statements()
    assert ev["status"] == "PGRES_FATAL_ERROR"
    assert ev["error"] == {"sqlstate": "22012", "message": "division by zero"}


def test_copy_both_ways(clients, tmp_path):
    out = clients.wrapped(PSQL, "-X", "-c", r"\copy t to stdout").stdout
    assert out.splitlines()[0] == "1\trow1"
    data = tmp_path / "in.tsv"
    data.write_text("100\tfrom file\n101\tagain\n")
    clients.wrapped(PSQL, "-X", "-c", f"create temp table c(id int, s text)", "-c",
                    rf"\copy c from '{data}'")
    evs = clients.statements()
    copy_out = [e for e in evs if e.get("extra", {}).get("copy", {}).get("direction") == "out"]
    copy_in = [e for e in evs if e.get("extra", {}).get("copy", {}).get("direction") == "in"]
    assert len(copy_out) == 1 and copy_out[0]["extra"]["copy"]["rows"] == 5
    assert copy_out[0]["command_tag"] == "COPY 5" and copy_out[0]["values"][0] == ["1\trow1"]
    assert len(copy_in) == 1 and copy_in[0]["extra"]["copy"]["rows"] == 2
    assert copy_in[0]["values"] == [["100\tfrom file"], ["101\tagain"]]
    assert copy_in[0]["extra"]["copy"]["bytes"] == len(data.read_text())


def test_fetch_count_cursor(clients):
    clients.wrapped(PSQL, "-X", "-v", "FETCH_COUNT=2", "-c", "select id from t order by id")
    sqls = [e["sql"] for e in clients.statements()]
    assert sqls[0] == "BEGIN"
    assert sqls[1].startswith("DECLARE _psql_cursor") and "select id from t" in sqls[1]
    fetches = [e for e in clients.statements() if e["sql"].startswith("FETCH FORWARD 2")]
    assert [f["rows"] for f in fetches] == [2, 2, 1, 0][:len(fetches)]
    assert sum(f["rows"] for f in fetches) == 5
    assert sqls[-2:] == ["CLOSE _psql_cursor", "COMMIT"]


def test_large_objects(clients, tmp_path):
    src = tmp_path / "blob.bin"
    src.write_bytes(os.urandom(3000))
    out = clients.wrapped(PSQL, "-X", "-c", rf"\lo_import {src}").stdout
    oid = int(out.split()[1])
    dst = tmp_path / "back.bin"
    clients.wrapped(PSQL, "-X", "-c", rf"\lo_export {oid} {dst}")
    assert dst.read_bytes() == src.read_bytes()
    lo = clients.events(["large_object"])
    imp = [e for e in lo if e["api"] == "lo_import"]
    exp = [e for e in lo if e["api"] == "lo_export"]
    assert len(imp) == 1 and imp[0]["extra"]["oid"] == oid and imp[0]["extra"]["bytes"] == 3000
    assert len(exp) == 1 and exp[0]["extra"]["oid"] == oid and exp[0]["extra"]["bytes"] == 3000
    assert not clients.events(["fastpath"]), "lo_* internals (PQfn) must not be journaled"
