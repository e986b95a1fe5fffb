"""Masking end to end: real clients see only masked values, unmasked columns
are unchanged byte for byte, and no raw sensitive value reaches any file of
the journal."""
import os
import subprocess
import textwrap

import pytest

PSQL = "/usr/lib/postgresql/15/bin/psql"
PG_DUMP = "/usr/lib/postgresql/15/bin/pg_dump"
PY = "/usr/bin/python3"

# Fake people: cards pass Luhn, IBANs pass mod-97, SSNs are well-formed.
ROWS = [
    (1, "Ann Lee", "ann.lee@example.com", "123-45-6789", "4111111111111111", "GB82WEST12345698765432",
     "call +14155550123 or write to ann.private@mail.test"),
    (2, "Bo Chen", "bo.chen@example.org", "234-56-7890", "5500005555555559", "DE89370400440532013000",
     "card 4012 8888 8888 1881 on file"),
]
SECRETS = [v for r in ROWS for v in r[2:6]] + ["+14155550123", "ann.private@mail.test",
                                                "4012 8888 8888 1881"]


@pytest.fixture(scope="module", autouse=True)
def customers(pg):
    pg.sql("CREATE TABLE IF NOT EXISTS customers(id int primary key, name text, email text unique,"
           " ssn text, card text, iban text, notes text)", db="app")
    values = ",".join("(%d,'%s','%s','%s','%s','%s','%s')" % r for r in ROWS)
    pg.sql(f"DELETE FROM customers; INSERT INTO customers VALUES {values}", db="app")


@pytest.fixture
def mask_config(tmp_path):
    key = tmp_path / "mask.key"
    fd = os.open(key, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"0123456789abcdef0123456789abcdef")
    os.close(fd)
    cfg = tmp_path / "mask.toml"
    cfg.write_text(textwrap.dedent(f"""
        [mask]
        key_file = "{key}"

        [[mask.rule]]
        table = "public.customers"
        column = "email"
        strategy = "email"

        [[mask.rule]]
        column = "*ssn*"
        strategy = "partial"
        keep_last = 4

        [[mask.rule]]
        table = "public.customers"
        column = "card"
        strategy = "hash"

        [mask.detect]
        types = ["email", "credit_card", "us_ssn", "iban", "phone", "ip", "jwt", "aws_key",
                 "private_key"]
        strategy = "redact"
    """))
    return str(cfg)


def assert_clean(text):
    for secret in SECRETS:
        assert secret not in text, secret


def journal_bytes(clients):
    root = os.path.dirname(clients.journal)
    data = b""
    for dirpath, _, files in os.walk(root):
        for f in files:
            with open(os.path.join(dirpath, f), "rb") as fh:
                data += fh.read()
    return data


def test_psql_sees_masked_values_and_journal_is_clean(clients, mask_config):
    q = "select id, name, email, ssn, card, iban, notes from customers order by id"
    out = clients.wrapped(PSQL, "-X", "-A", "-t", "-c", q, config=mask_config).stdout
    assert_clean(out)
    first = out.splitlines()[0].split("|")
    assert first[0] == "1" and first[1] == "Ann Lee"  # unmasked columns unchanged
    assert first[2] == "a***@example.com" and first[3] == "*******6789"  # same length: in place
    assert first[4] != ROWS[0][4] and first[5] != ROWS[0][5]
    alias = clients.wrapped(PSQL, "-X", "-A", "-t", "-c",
                            "select email as x, upper(email), row_to_json(c) from customers c",
                            config=mask_config).stdout
    assert_clean(alias)
    assert_clean(alias.upper())
    for secret in SECRETS:
        assert secret.encode() not in journal_bytes(clients)
        assert secret.upper().encode() not in journal_bytes(clients)


def test_hash_is_stable_pseudonym(clients, mask_config):
    q = "select card from customers order by id"
    a = clients.wrapped(PSQL, "-X", "-A", "-t", "-c", q, config=mask_config).stdout
    b = clients.wrapped(PSQL, "-X", "-A", "-t", "-c", q, config=mask_config).stdout
    assert a == b and ROWS[0][4] not in a


def test_copy_text_csv_and_pg_dump(clients, mask_config):
    for opts in ("", " csv"):
        out = clients.wrapped(PSQL, "-X", "-c", rf"\copy customers to stdout{opts}",
                              config=mask_config).stdout
        assert_clean(out)
        assert "Ann Lee" in out and "a***@example.com" in out
    dump = clients.wrapped(PG_DUMP, "-t", "customers", "app", config=mask_config).stdout
    assert_clean(dump)
    assert "Bo Chen" in dump
    assert all(s.encode() not in journal_bytes(clients) for s in SECRETS)


def test_c_client_single_row_mode(clients, mask_config):
    exe = os.path.join(os.environ.get("PQWARD_BUILD_DIR", ""), "tests", "integration",
                       "integration_client")
    env = dict(clients.env, PQWARD_CONFIG=mask_config, PQWARD_JOURNAL=clients.journal,
               SINGLE_ROW_QUERY="select id, name, email, ssn, notes from customers order by id")
    out = subprocess.run([exe], env=env, capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[0].startswith("1|Ann Lee|a***@example.com|")
    assert_clean(out)
    assert all(s.encode() not in journal_bytes(clients) for s in SECRETS)


def test_psycopg3_binary_pipeline_and_psycopg2(clients, mask_config):
    code = textwrap.dedent("""
        import psycopg, psycopg2
        with psycopg.connect("") as c:
            print(c.cursor(binary=True).execute("select email, ssn, notes from customers").fetchall())
            with c.pipeline():  # before stream(): libpq 15 leaks single-row mode into pipelines
                cur = c.execute("select email, iban from customers order by id")
            print(cur.fetchall())
            print(list(c.cursor().stream("select email from customers")))
        c2 = psycopg2.connect("")
        cur = c2.cursor()
        cur.execute("select email, iban from customers")
        print(cur.fetchall())
    """)
    r = clients.wrapped(PY, "-c", code, config=mask_config, check=False)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert_clean(out)
    assert "a***@example.com" in out


def test_error_detail_and_notify_are_masked(clients, mask_config):
    code = textwrap.dedent("""
        import psycopg2
        c = psycopg2.connect("")
        c.autocommit = True
        cur = c.cursor()
        try:
            cur.execute("insert into customers(id, email) values (99, 'ann.lee@example.com')")
        except psycopg2.Error as e:
            print("ERR", e.pgerror, e.diag.message_detail)
        cur.execute("listen ch")
        cur.execute("notify ch, 'reach me at ann.private@mail.test'")
        c.poll()
        print("NOTIFY", [n.payload for n in c.notifies])
    """)
    out = clients.wrapped(PY, "-c", code, config=mask_config).stdout
    assert "ERR" in out and "NOTIFY" in out and "reach me at" in out
    assert "Key (email)=(" in out  # the DETAIL is there, its value masked
    assert_clean(out)


def test_unmaskable_paths_refused(clients, mask_config, tmp_path):
    blob = tmp_path / "b.bin"
    blob.write_bytes(b"secret blob")
    r = clients.wrapped(PSQL, "-X", "-c", rf"\lo_import {blob}", config=mask_config, check=False)
    assert r.returncode != 0 and "large objects" in r.stderr
    r = clients.wrapped(PSQL, "-X", "-c", r"\copy customers to stdout (format binary)",
                        config=mask_config, check=False)
    assert r.returncode != 0 and "binary COPY" in r.stderr
    assert b"4111111111111111" not in r.stdout.encode()


@pytest.mark.parametrize("rule,expect", [
    ('[[mask.rule]]\ncolumn = "email"\nstrategy = "blur"\n', "unknown strategy 'blur'"),
    ('[[mask.rule]]\ncolumn = "x"\nstrategy = "regex_replace"\npattern = "("\nreplace = "y"\n',
     "mask rule 1"),
    ('[[mask.rule]]\ntable = "public.customers"\ncolumn = "emial"\nstrategy = "redact"\n',
     "mask rule 1"),
])
def test_bad_rules_refuse_the_connection(clients, tmp_path, rule, expect):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[mask]\n" + rule)
    r = subprocess.run([PSQL, "-X", "-c", "select email from customers"], capture_output=True,
                       text=True, env=dict(clients.env, PQWARD_CONFIG=str(cfg),
                                           PQWARD_JOURNAL=clients.journal,
                                           LD_PRELOAD=clients.shim))
    assert r.returncode != 0 and expect in r.stderr, r.stderr
    assert "example.com" not in r.stdout


def test_world_readable_key_refused(clients, tmp_path):
    key = tmp_path / "open.key"
    key.write_bytes(b"0123456789abcdef0123456789abcdef")
    os.chmod(key, 0o644)
    cfg = tmp_path / "k.toml"
    cfg.write_text(f'[mask]\nkey_file = "{key}"\n[[mask.rule]]\ncolumn = "card"\nstrategy = "hash"\n')
    r = clients.wrapped(PSQL, "-X", "-c", "select card from customers", config=str(cfg),
                        check=False)
    assert r.returncode != 0 and str(key) in r.stderr
    assert ROWS[0][4] not in r.stdout


def test_plan_is_remade_after_ddl(clients, mask_config, pg):
    """The plan of a result whose columns look like the last one's (same
    name, table and position) is reused, but not across DDL: a column
    renamed in the same session may now be one a rule masks."""
    pg.sql("DROP TABLE IF EXISTS renamed; CREATE TABLE renamed(id int, x text);"
           " INSERT INTO renamed VALUES (1, 'plain-value-1234')", db="app")
    out = clients.wrapped(PSQL, "-X", "-A", "-t", "-q", "-c", "select x as a from renamed",
                          "-c", "select x as a from renamed",
                          "-c", "alter table renamed rename column x to old_ssn",
                          "-c", "select old_ssn as a from renamed", config=mask_config).stdout
    assert out.splitlines() == ["plain-value-1234", "plain-value-1234", "************1234"]
