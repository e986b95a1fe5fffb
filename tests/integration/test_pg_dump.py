"""pg_dump under pqward: the dump is unchanged and its COPYs are journaled."""
PG_DUMP = "/usr/lib/postgresql/15/bin/pg_dump"


def strip_volatile(text):
    """Drops the lines pg_dump makes different on every run (its random
    \\restrict key since 15.14, timestamps)."""
    return [l for l in text.splitlines() if not l.startswith(("\\restrict", "\\unrestrict"))
            and "Started on" not in l and "Completed on" not in l]


def test_dump_identical_and_copy_journaled(clients):
    plain = clients.plain(PG_DUMP, "app").stdout
    wrapped = clients.wrapped(PG_DUMP, "app").stdout
    assert strip_volatile(wrapped) == strip_volatile(plain)
    copies = [e for e in clients.statements() if "copy" in e.get("extra", {})]
    t = [e for e in copies if "public.t " in e["sql"]]
    assert len(t) == 1 and t[0]["extra"]["copy"]["direction"] == "out"
    assert t[0]["extra"]["copy"]["rows"] == 5 and t[0]["command_tag"] == "COPY 5"
