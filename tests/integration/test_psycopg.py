"""psycopg2 and psycopg 3 (its pure-Python backend dlopens libpq.so.5, so the
drop-in is what interposes it) under pqward."""
import textwrap

PY = "/usr/bin/python3"


def run_py(clients, code):
    return clients.wrapped(PY, "-c", textwrap.dedent(code)).stdout


def test_psycopg2_sync_copy_cursor_lobject(clients):
    out = run_py(clients, """
        import io, psycopg2
        c = psycopg2.connect("")
        cur = c.cursor()
        cur.execute("select %s::int + 1, %s", (41, "x"))
        print(cur.fetchall())
        buf = io.StringIO()
        cur.copy_expert("copy t to stdout", buf)
        cur.execute("create temp table ci(id int, s text)")
        cur.copy_expert("copy ci from stdin", io.StringIO("7\\tseven\\n8\\teight\\n"))
        named = c.cursor(name="srv")
        named.execute("select id from t order by id")
        print(named.fetchmany(2))
        named.close()
        lo = c.lobject(0, "wb")
        lo.write(b"hello large object")
        lo.close()
        c.commit()
        print(len(buf.getvalue().splitlines()))
    """)
    assert out.splitlines() == ["[(42, 'x')]", "[(1,), (2,)]", "5"]
    sqls = [e["sql"] for e in clients.statements()]
    assert "select 41::int + 1, 'x'" in sqls  # parameters interpolated client-side
    assert any(s.startswith('DECLARE "srv"') for s in sqls)
    assert any(s.startswith('FETCH FORWARD 2 FROM "srv"') for s in sqls)
    copies = {e["extra"]["copy"]["direction"]: e for e in clients.statements()
              if "copy" in e.get("extra", {})}
    assert copies["out"]["extra"]["copy"]["rows"] == 5
    assert copies["in"]["values"] == [["7\tseven"], ["8\teight"]]
    writes = [e for e in clients.events(["large_object"]) if e["api"] == "lo_write"]
    assert writes and writes[0]["extra"]["bytes"] == len("hello large object")


def test_psycopg3_params_binary_pipeline_copy_stream(clients):
    out = run_py(clients, """
        import psycopg
        assert psycopg.pq.__impl__ == "python", psycopg.pq.__impl__
        with psycopg.connect("") as c:
            print(c.execute("select %s::int + 1, %s::text", (41, "x")).fetchall())
            cur = c.cursor(binary=True)
            print(cur.execute("select 258::int4, 'ab'::text").fetchall())
            with c.pipeline():
                c.execute("select 101")
                c.execute("select 102")
            print(sum(1 for _ in c.cursor().stream("select id from t")))
            with c.cursor().copy("copy t to stdout") as cp:
                print(sum(1 for _ in cp))
    """)
    assert out.splitlines() == ["[(42, 'x')]", "[(258, 'ab')]", "5", "5"]
    evs = clients.statements()
    params = [e for e in evs if e["sql"] == "select $1::int + 1, $2::text"]
    assert len(params) == 1 and params[0]["params"][1] == "x"
    assert params[0]["api"] == "PQsendQueryParams"
    binary = [e for e in evs if e["sql"] == "select 258::int4, 'ab'::text"]
    assert binary[0]["values"] == [["\\x00000102", "\\x6162"]]
    assert [e["values"] for e in evs if e["sql"] in ("select 101", "select 102")] == \
        [[["101"]], [["102"]]]
    stream = [e for e in evs if e["sql"] == "select id from t"]
    assert len(stream) == 1 and stream[0]["rows"] == 5 and len(stream[0]["values"]) == 5
    copy = [e for e in evs if e["sql"] == "copy t to stdout"]
    assert len(copy) == 1 and copy[0]["extra"]["copy"]["rows"] == 5
