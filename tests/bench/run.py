#!/usr/bin/env python3
"""pqward benchmarks (docs/performance.md). Starts its own PostgreSQL 15 on a
Unix socket, then measures pqward against plain libpq in the same run, runs
interleaved (A B A B ...), reporting medians and PASS/FAIL per target.

usage: run.py BUILD_DIR [--quick] [--only=step,step]  (steps: the functions in main)"""
import itertools
import math
import os
import pwd
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

BUILD = os.path.abspath(sys.argv[1])
os.environ["PQWARD_BUILD_DIR"] = BUILD  # harness starts this build's pqward-broker
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import (AUDIENCE, PGBIN, Broker, Idp, Postgres, free_port,  # noqa: E402
                     write_secret)

QUICK = "--quick" in sys.argv
ONLY = next((a.split("=", 1)[1].split(",") for a in sys.argv if a.startswith("--only=")), None)
PAIRS = 3 if QUICK else 5
SECONDS = 2 if QUICK else 5
BIG_ROWS, BIG = (200000, "200k rows") if QUICK else (1000000, "1M rows")  # the large result
SHIM = os.path.join(BUILD, "lib", "libpqward.so")
CLIENT = os.path.join(BUILD, "tests", "bench", "bench_client")
rows = []
RUN_IDS = itertools.count()  # tells apart the journals of runs under callgrind


def report(name, value, target=None, ok=None):
    verdict = "" if ok is None else ("PASS" if ok else "FAIL")
    rows.append((name, value, target or "", verdict))
    print(f"{name:<58} {value:<24} {target or '':<16} {verdict}", flush=True)


class Setup:
    def __init__(self, work, pg):
        self.work = work
        self.pg = pg
        self.env = dict(os.environ, PGHOST=pg.sock, PGPORT=str(pg.port), PGUSER="postgres",
                        PGDATABASE="bench")
        for v in ("LD_PRELOAD", "PQWARD_CONFIG", "PQWARD_JOURNAL"):
            self.env.pop(v, None)
        self.nomatch = self.config("nomatch", """
            [[mask.rule]]
            table = "public.customers_absent"
            column = "secret_*"
            strategy = "redact"
        """)
        self.mask2 = self.config("mask2", """
            [[mask.rule]]
            column = "email"
            strategy = "email"
            [[mask.rule]]
            column = "ssn"
            strategy = "partial"
            keep_last = 4
        """)
        self.detect = self.config("detect", """
            [mask.detect]
            types = ["email", "credit_card", "us_ssn", "iban", "phone", "ip", "jwt", "aws_key", "private_key"]
        """)

    def config(self, name, body):
        path = os.path.join(self.work, f"{name}.toml")
        with open(path, "w") as f:
            f.write("[mask]\n" + textwrap.dedent(body))
        return path

    def variant(self, name, config=None, pgbouncer=None):
        env = dict(self.env)
        if name != "plain":
            env.update(LD_PRELOAD=SHIM, PQWARD_JOURNAL=os.path.join(self.work, f"j-{name}.db"))
            if config:
                env["PQWARD_CONFIG"] = config
        if pgbouncer:
            env.update(PGHOST="127.0.0.1", PGPORT=str(pgbouncer))
        return env


def reap(p, output=None):
    """Waits for `p` with wait4, not through subprocess, to get its rusage
    (all its threads: pqward's journal writer is one; on Linux the exact
    run time). Raises as check=True would."""
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise subprocess.CalledProcessError(p.returncode, p.args, output)
    return usage


def run_usage(cmd, env):
    """(wall seconds, peak RSS in KB, CPU seconds: user + system) of `cmd`."""
    t0 = time.perf_counter()
    usage = reap(subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL))
    return time.perf_counter() - t0, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def pgbench_run(env, clients, mode, length):
    """Runs pgbench -S for `length` (["-T", seconds] or ["-t", count]).
    Returns (TPS, mean latency in ms, transactions, CPU seconds of the
    process, from its rusage)."""
    cmd = [f"{PGBIN}/pgbench", "-n", "-S", "-M", mode, "-c", str(clients), "-j", str(clients),
           *length]
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out = p.stdout.read()
    p.stdout.close()
    usage = reap(p, out)
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    lat = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))
    tx = int(re.search(r"number of transactions actually processed: (\d+)", out).group(1))
    return tps, lat, tx, usage.ru_utime + usage.ru_stime


def pgbench_tps(env, clients, mode, seconds=SECONDS, startup=0.0):
    """(TPS, mean latency in ms, CPU microseconds per transaction, less
    `startup` CPU seconds: the process's start-up and connection)."""
    tps, lat, tx, cpu = pgbench_run(env, clients, mode, ["-T", str(seconds)])
    return tps, lat, (cpu - startup) * 1e6 / tx


def startup_cpu(env, mode):
    """CPU seconds of a pgbench run of one transaction, median of 5: what a
    timed run spends before and around its transactions (for pqward, loading
    its core and opening the journal too)."""
    return statistics.median(pgbench_run(env, 1, mode, ["-t", "1"])[3] for _ in range(5))


def start_pgbouncer(s):
    port = free_port()
    ini = os.path.join(s.work, "pgbouncer.ini")
    with open(ini, "w") as f:
        f.write(f"[databases]\nbench = host={s.pg.sock} port={s.pg.port} dbname=bench\n"
                f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\n"
                f"auth_type = trust\nauth_file = {s.work}/users.txt\npool_mode = session\n"
                f"unix_socket_dir =\nlogfile = {s.work}/pgbouncer.log\n"
                f"pidfile = {s.work}/pgbouncer.pid\nmax_client_conn = 50\ndefault_pool_size = 10\n")
    with open(os.path.join(s.work, "users.txt"), "w") as f:
        f.write('"postgres" ""\n')
    cmd = ["/usr/sbin/pgbouncer", "-d", ini]
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        for p in os.listdir(s.work):
            os.chown(os.path.join(s.work, p), pw.pw_uid, pw.pw_gid)
        os.chown(s.work, pw.pw_uid, pw.pw_gid)
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    subprocess.run(cmd, check=True)
    time.sleep(1)
    return port


def cpu_ticks():
    """(steal, total) CPU ticks of the machine so far (/proc/stat)."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    return ticks[7], sum(ticks[:8])


def median_ci(values):
    """Median of `values` and a distribution-free 95 % confidence interval for
    it: the order statistics around the middle that a fair coin keeps the
    true median between 95 % of the time (binomial tails of 2.5 %)."""
    v = sorted(values)
    n = len(v)
    # k: the most values below the median that happen with probability <= 2.5 %
    k = 0
    while sum(math.comb(n, i) for i in range(k + 2)) / 2 ** n <= 0.025:
        k += 1
    return statistics.median(v), v[k], v[n - 1 - k]


def interleaved(names, rounds, run):
    """{name: [run(name) of each round]}. Each round runs every name once,
    every other round in reverse order, so that none always follows the same
    one (a run pays for some of the previous run's after-effects, such as its
    journal's writeback or the page cache it evicted)."""
    results = {k: [] for k in names}
    for i in range(rounds):
        for name in (list(names) if i % 2 == 0 else list(reversed(names))):
            results[name].append(run(name))
    return results


def oltp(s):
    bouncer = start_pgbouncer(s)
    steal0, total0 = cpu_ticks()
    variants = {"plain": s.variant("plain"), "pqward": s.variant("pqward"),
                "pqward+mask": s.variant("nomatch", s.nomatch),
                "pgbouncer": s.variant("plain", pgbouncer=bouncer)}
    for clients in (1, 4):
        # One client is the latency case and the noisiest: the machine's
        # speed drifts by more than the effect measured, so it gets many
        # short rounds and each ratio is taken within its own round. Plain
        # libpq runs first and last in each round: the ratios are to the mean
        # of the two (no variant gains from running next to plain, or after
        # another variant's after-effects), and plain/plain shows the noise.
        names = dict(variants, **{"plain again": variants["plain"]}) if clients == 1 else variants
        rounds, seconds = (PAIRS, SECONDS) if clients > 1 else (6 * PAIRS, 2)
        for mode in ("simple", "prepared"):
            # "plain again" runs plain's environment: its start-up is plain's.
            start = {n: startup_cpu(variants[n], mode) if clients == 1 else 0.0 for n in variants}
            start["plain again"] = start["plain"]
            results = interleaved(names, rounds, lambda n: pgbench_tps(
                names[n], clients, mode, seconds, start[n]))
            plain = [t for t, _, _ in results["plain"]]
            ref = [(t + a) / 2 for (t, _, _), (a, _, _) in zip(results["plain"],
                                                                results["plain again"])
                   ] if clients == 1 else plain
            for name in [k for k in names if k != "plain"]:
                base = plain if name == "plain again" else ref
                ratio, lo, hi = median_ci([t / p for (t, _, _), p in zip(results[name], base)])
                tps = statistics.median(t for t, _, _ in results[name])
                lat = statistics.median(l for _, l, _ in results[name])
                target = ">= 0.95" if clients == 1 and name.startswith("pqward") else None
                ok = ratio >= 0.95 if target else None
                ci = f" [{lo:.3f}..{hi:.3f}]" if clients == 1 else ""
                report(f"pgbench -S c={clients} {mode}: {name}/plain TPS",
                       f"{ratio:.3f}{ci} ({tps:.0f} tps, {lat:.3f} ms)", target, ok)
            if clients == 1:
                cpu_added(mode, names, results)
    # A VM's vCPUs can be taken by the host (steal time): ratios within a
    # round cancel that out, but a high share makes every round noisier.
    steal1, total1 = cpu_ticks()
    report("CPU time taken by the host (steal) during these runs",
           f"{100 * (steal1 - steal0) / max(1, total1 - total0):.1f} %")


def cpu_added(mode, names, results):
    """What the one-client TPS ratio comes from: the CPU each variant's
    pgbench process spends per transaction (program and journal writer
    threads, start-up left out), beside the 5 % TPS budget in microseconds
    of plain libpq's mean transaction. Differences are taken within rounds,
    to the mean of the round's two plain runs."""
    plain = [(c + a) / 2 for (_, _, c), (_, _, a) in zip(results["plain"], results["plain again"])]
    tps = statistics.median(t for t, _, _ in results["plain"] + results["plain again"])
    report(f"pgbench -S c=1 {mode}: plain CPU per tx (5 % budget)",
           f"{statistics.median(plain):.1f} us ({0.05e6 / tps:.1f} us)")
    for name in [k for k in names if k.startswith("pqward")]:
        added, lo, hi = median_ci([c - p for (_, _, c), p in zip(results[name], plain)])
        report(f"pgbench -S c=1 {mode}: {name} CPU per tx, added",
               f"{added:+.1f} us [{lo:+.1f}..{hi:+.1f}]")


def run_callgrind(s, name, cmd, env, options=()):
    """Runs `cmd` under callgrind, one profile per thread. Returns valgrind's
    report (stderr) and the program's own thread's counts by event name.
    Each run journals to a new, empty journal: the counts of a short and a
    long run are subtracted, which cancels their start-up only if opening
    the journal is the same work in both (an earlier run's events make it
    more: about 880,000 instructions on the program's thread)."""
    out_file = os.path.join(s.work, f"callgrind.{name}")
    if "PQWARD_JOURNAL" in env:
        env = dict(env, PQWARD_JOURNAL=os.path.join(s.work, f"j-callgrind-{next(RUN_IDS)}.db"))
    out = subprocess.run(["valgrind", "--tool=callgrind", "--separate-threads=yes", *options,
                          f"--callgrind-out-file={out_file}", *cmd],
                         env=env, capture_output=True, text=True, check=True).stderr
    with open(out_file + "-01") as f:  # thread 1: the program's
        text = f.read()
    events = re.search(r"^events: (.*)$", text, re.M).group(1).split()
    summary = [int(x) for x in re.search(r"^summary: (.*)$", text, re.M).group(1).split()]
    return out, dict(zip(events, summary))


def callgrind(s):
    """Instructions per one-row SELECT: in all threads, and in the program's
    own thread alone (the statement's critical path: the journal writer's
    share runs beside it)."""
    def instr(env, n):
        out, main = run_callgrind(s, str(n), [CLIENT, "queries", str(n)], env)
        return int(re.search(r"Collected : (\d+)", out).group(1)), main["Ir"]
    env = s.variant("callgrind")
    (p0, _), (p1, _) = instr(s.env, 200), instr(s.env, 5200)
    (a0, m0), (a1, m1) = instr(env, 200), instr(env, 5200)
    plain = (p1 - p0) / 5000
    report("instructions per one-row SELECT: plain libpq", f"{plain:.0f}")
    report("instructions added per statement by pqward", f"{(a1 - a0) / 5000 - plain:.0f}",
           "< 20000", (a1 - a0) / 5000 - plain < 20000)
    report("  of which on the program's thread", f"{(m1 - m0) / 5000 - plain:.0f}")


def icache(s):
    """What one pgbench -S transaction runs on the program's thread, and how
    much of it misses a simulated 32 KiB L1 instruction cache (callgrind's
    cache model: no kernel, no other process, so repeatable). Plain libpq's
    path fits the cache; the added code is what does not (docs/performance.md,
    "The OLTP gap"). With mask rules that match nothing, the same again:
    checking the columns of each result must add next to nothing."""
    def counts(env, mode, n):
        cmd = [f"{PGBIN}/pgbench", "-n", "-S", "-M", mode, "-c", "1", "-t", str(n)]
        return run_callgrind(s, f"icache.{mode}.{n}", cmd, env, ["--cache-sim=yes"])[1]
    n0, n1 = (200, 1200) if QUICK else (500, 2500)
    for mode in ("simple", "prepared"):
        per_tx = {}
        envs = {"plain": s.env, "pqward": s.variant(f"icache-{mode}"),
                "pqward+mask": s.variant(f"icache-mask-{mode}", s.nomatch)}
        for name, env in envs.items():
            a, b = counts(env, mode, n0), counts(env, mode, n1)
            per_tx[name] = {k: (b[k] - a[k]) / (n1 - n0) for k in ("Ir", "I1mr")}
        for k, what in (("Ir", "instructions"), ("I1mr", "L1i misses")):
            p, q, m = (per_tx[n][k] for n in envs)
            report(f"pgbench -S {mode}, program thread: {what} per tx",
                   f"{p:.0f} -> {q:.0f} / {m:.0f} (plain -> pqward / +mask)")


PSYCOPG2_FETCH = ("import psycopg2; c = psycopg2.connect(''); cur = c.cursor(); "
                  "cur.execute('select * from big'); print(len(cur.fetchall()))")


def large(s):
    """The large result (BIG_ROWS rows) through the C client and psycopg2,
    and COPY OUT of it: for each variant, the median over interleaved rounds
    of the round's ratio to plain libpq, with plain's median time beside it,
    since that moves with the host, and the ratio of CPU times, which moves
    less."""
    q = "select * from big"
    variants = {"plain": dict(s.env), "pqward": s.variant("big"),
                "pqward 2 masked": s.variant("big2", s.mask2),
                "pqward detect": s.variant("bigd", s.detect)}
    # glibc returns freed heap to the kernel once 128 KiB lie free at its top.
    # Plain libpq's fetch of a large result hits that edge tens of thousands
    # of times (46,930 brk calls, 0.4 s of system time); pqward's own
    # allocations happen to keep it away (1,390 calls), which made pqward
    # look faster than plain. One fixed threshold for every variant compares
    # like with like.
    for env in variants.values():
        env["GLIBC_TUNABLES"] = "glibc.malloc.trim_threshold=134217728"

    def ratio(res, name, field):
        """Median and 95 % interval of the rounds' own ratios to plain: the
        host's speed drifts between rounds by more than pqward's cost."""
        return median_ci([r[field] / p[field] for r, p in zip(res[name], res["plain"])])

    def compare(client, names, cmd, rounds, targets=False):
        res = interleaved(names, rounds, lambda n: run_usage(cmd, variants[n]))
        wall0 = statistics.median(r[0] for r in res["plain"])
        rss0 = statistics.median(r[1] for r in res["plain"])
        for name in names[1:]:
            wall, lo, hi = ratio(res, name, 0)
            cpu = ratio(res, name, 2)[0]
            rss = ratio(res, name, 1)[0]
            check = targets and name == "pqward 2 masked"
            report(f"{BIG} x 6 cols, {client}: {name} wall ratio",
                   f"{wall:.2f} [{lo:.2f}..{hi:.2f}] (plain {wall0:.2f} s; CPU {cpu:.2f})",
                   "<= 1.5" if check else None, wall <= 1.5 if check else None)
            report(f"{BIG} x 6 cols, {client}: {name} peak RSS ratio",
                   f"{rss:.2f} (plain {rss0 // 1024} MB)",
                   "<= 1.3" if check else None, rss <= 1.3 if check else None)

    # A run of the C client or of COPY takes under a second, and plain
    # libpq's own time varies by up to 1.6x between such runs on a VM, so
    # they get three times the rounds; psycopg2's runs take seconds.
    compare("C client", list(variants), [CLIENT, "fetch", q], 3 * PAIRS, targets=True)
    compare("psycopg2", ["plain", "pqward 2 masked", "pqward detect"],
            ["/usr/bin/python3", "-c", PSYCOPG2_FETCH], PAIRS)
    cp = interleaved(["plain", "pqward 2 masked"], 3 * PAIRS,
                     lambda n: run_usage([CLIENT, "copyout", q], variants[n]))
    plain = statistics.median(r[0] for r in cp["plain"])
    slower, lo, hi = ratio(cp, "pqward 2 masked", 0)
    report(f"COPY OUT {BIG}, 2 masked: throughput ratio",
           f"{1 / slower:.2f} [{1 / hi:.2f}..{1 / lo:.2f}] (plain {plain:.2f} s)")


def journal(s):
    n = 5000 if QUICK else 20000
    for procs in (1, 4, 16):
        path = os.path.join(s.work, f"j-procs{procs}.db")
        env = dict(s.variant("j"), PQWARD_JOURNAL=path)
        per = n // procs
        t0 = time.perf_counter()
        ps = [subprocess.Popen([CLIENT, "queries", str(per)], env=env, stdout=subprocess.DEVNULL)
              for _ in range(procs)]
        assert all(p.wait() == 0 for p in ps)
        wall = time.perf_counter() - t0
        out = subprocess.run([os.path.join(BUILD, "tools", "pqward", "pqward"), "verify",
                              "--journal", path], capture_output=True, text=True).stdout
        events = int(re.search(r"(\d+) events", out).group(1))
        expected = procs * (per + 2)
        report(f"journal: {procs} processes, events/s (client-bound)",
               f"{events / wall:.0f} ({events}/{expected} kept)", "no loss",
               events == expected)
        if procs == 1:
            size = os.path.getsize(path) + sum(os.path.getsize(path + x) for x in ("-wal",)
                                               if os.path.exists(path + x))
            report("journal bytes per event (db + wal)", f"{size / events:.0f}")
    long_session(s)


def long_session(s):
    """The writer's file reads per statement in one session, and in one five
    times longer. They must not grow with the session's length: a writer that
    looked through the session's stored chunks at every batch read 2,173 bytes
    per statement after 50,000 and 10,529 after 250,000 (359 and 360 since).
    Both sessions run past several WAL checkpoints, which read back what the
    WAL holds: a shorter session reads less per statement (11 at 10,000)."""
    short = 30000 if QUICK else 50000
    per = {}
    for count in (short, 5 * short):
        env = dict(s.variant("j"), PQWARD_JOURNAL=os.path.join(s.work, f"j-long{count}.db"))
        out = subprocess.run([CLIENT, "queries", str(count)], env=env, capture_output=True,
                             text=True, check=True).stdout
        per[count] = int(re.search(r"read=(\d+)", out).group(1)) / count
    growth = per[5 * short] / per[short]
    report(f"journal: file reads per statement, {short // 1000}k / {5 * short // 1000}k session",
           f"{per[short]:.0f} / {per[5 * short]:.0f} ({growth:.2f}x)", "<= 1.5x", growth <= 1.5)


def loadtime(s):
    def run_many(env, n=300):
        t0 = time.perf_counter()
        for _ in range(n):
            subprocess.run(["/bin/true"], env=env, check=True)
        return (time.perf_counter() - t0) / n
    pre = dict(s.env, LD_PRELOAD=SHIM)
    a = statistics.median(run_many(s.env) for _ in range(PAIRS))
    b = statistics.median(run_many(pre) for _ in range(PAIRS))
    report("/bin/true: time added by the preload", f"{(b - a) * 1000:.3f} ms", "<= 1 ms",
           b - a <= 0.001)
    def maps(env):
        out = subprocess.run(["cat", "/proc/self/maps"], env=env, capture_output=True,
                             text=True).stdout
        return {l.split()[-1] for l in out.splitlines() if ".so" in l}
    extra = maps(pre) - maps(s.env)
    report("shared objects mapped beyond the preload itself", str(len(extra - {SHIM})), "0",
           extra <= {os.path.realpath(SHIM)})


def detection(s):
    """Content detection (all built-in detectors, text without matches), one
    core: MB/s by value size (tests/bench/mask_throughput.cc), per second of
    the scanning thread's CPU time (steal left out; the target's "per core")
    and per second elapsed."""
    out = subprocess.run([os.path.join(BUILD, "tests", "mask", "mask_throughput")],
                         capture_output=True, text=True, check=True).stdout
    for size, cpu, wall in re.findall(
            r"values of\s+(\d+) bytes\s+(\d+) MB/s per CPU second\s+(\d+) MB/s elapsed", out):
        bulk = int(size) == 4096
        report(f"content detection, {size}-byte values: MB/s per core", f"{cpu} ({wall} elapsed)",
               ">= 300" if bulk else None, int(cpu) >= 300 if bulk else None)


def recorder_alone(s):
    """The recorder without a database round trip per event: one process
    appends 200,000 events; the writer thread moves them into SQLite."""
    bench = os.path.join(BUILD, "tests", "journal", "journal_append_bench")
    appended, stored = [], []
    for _ in range(PAIRS):
        out = subprocess.run([bench, "200000"], capture_output=True, text=True, check=True).stdout
        appended.append(float(re.search(r"append: .* = (\d+) events/s", out).group(1)))
        stored.append(float(re.search(r"stored: .* = (\d+) events/s", out).group(1)))
    report("recorder alone, 1 process: events/s appended (spool)",
           f"{statistics.median(appended):.0f}")
    report("recorder alone, 1 process: events/s stored in SQLite", f"{statistics.median(stored):.0f}",
           ">= 200000", statistics.median(stored) >= 200000)


CONNECT_CODE = """
import sys, time, psycopg2
def once():
    t = time.perf_counter()
    c = psycopg2.connect("")
    cur = c.cursor()
    cur.execute("select count(*) from items")
    cur.fetchone()
    c.close()
    return time.perf_counter() - t
first = once()
warm = sorted(once() for _ in range(int(sys.argv[1])))
print(first, warm[len(warm) // 2])
"""


def connect(s):
    """Time to first query over TCP with scram: a plain role with a password
    vs pqward with identity (OIDC client credentials + pqward-broker). The
    first connect of a process loads the core, fetches a token and a lease;
    later ones reuse the cached lease (in memory, per process)."""
    idp = Idp(s.work)
    broker = Broker(s.work, idp, s.pg)
    try:
        s.pg.sql("CREATE ROLE bench_pw LOGIN PASSWORD 'bench-pw-0123'; "
                 "GRANT app_readonly TO bench_pw")
        secret = write_secret(os.path.join(s.work, "agent.secret"), "agent-secret-0123456789\n")
        cfg = os.path.join(s.work, "identity.toml")
        with open(cfg, "w") as f:
            f.write(textwrap.dedent(f"""
                [identity]
                issuer = "{idp.issuer}"
                grant = "client_credentials"
                client_id = "nightly-agent"
                client_secret_file = "{secret}"
                scope = "db"
                audience = "{AUDIENCE}"
                allow_insecure_http_for_loopback = true
                token_cache = "{s.work}/tokens.json"
                [[broker.target]]
                host = "127.0.0.1"
                dbname = "app"
                url = "{broker.url}"
                auth_role = "agent"
                creds_path = "database/creds/readonly"
            """))
        tcp = dict(s.env, PGHOST="127.0.0.1", PGDATABASE="app")
        plain = dict(tcp, PGUSER="bench_pw", PGPASSWORD="bench-pw-0123")
        ours = dict(tcp, LD_PRELOAD=SHIM, PQWARD_CONFIG=cfg,
                    PQWARD_JOURNAL=os.path.join(s.work, "j-connect.db"))
        ours.pop("PGUSER", None)
        res = {"plain": [], "pqward": []}
        for _ in range(PAIRS):
            for name, env in (("plain", plain), ("pqward", ours)):
                out = subprocess.run(["/usr/bin/python3", "-c", CONNECT_CODE, "20"], env=env,
                                     capture_output=True, text=True, check=True).stdout
                res[name].append([float(x) for x in out.split()])
        cold = [statistics.median(r[0] for r in res[k]) * 1000 for k in ("pqward", "plain")]
        warm = [statistics.median(r[1] for r in res[k]) * 1000 for k in ("pqward", "plain")]
        report("connect + first query, first in process (token, lease, core)",
               f"{cold[0]:.1f} ms vs {cold[1]:.1f} ms plain")
        report("connect + first query, cached broker credentials",
               f"{warm[0]:.2f} ms vs {warm[1]:.2f} ms plain ({warm[0] / warm[1]:.2f})")
    finally:
        broker.stop()
        idp.stop()


def main():
    work = tempfile.mkdtemp(prefix="pqward-bench-")
    os.chmod(work, 0o755)
    pg = Postgres(os.path.join(work, "pg"))
    pg.start()
    try:
        pg.sql("CREATE DATABASE bench")
        s = Setup(work, pg)
        pg.run(f"{PGBIN}/pgbench", "-i", "-q", "-s", "2" if QUICK else "10", "-h", pg.sock,
               "-p", str(pg.port), "-U", "postgres", "bench")
        pg.sql("CREATE TABLE big AS SELECT g AS id, 'name ' || g AS name, 'user' || g || "
               "'@example.com' AS email, lpad((g % 1000)::text, 3, '0') || '-12-3456' AS ssn, "
               "g * 1.5 AS amount, 'note number ' || g AS note "
               f"FROM generate_series(1, {BIG_ROWS}) g",
               db="bench")
        # Sets the rows' hint bits now, so that the first rounds' reads do
        # not write the table out again.
        pg.sql("VACUUM (FREEZE, ANALYZE) big", db="bench")
        print(f"{'measure':<58} {'value':<24} {'target':<16} verdict")
        for step in (loadtime, callgrind, icache, oltp, large, detection, journal, recorder_alone,
                     connect):
            if not ONLY or step.__name__ in ONLY:
                step(s)
    finally:
        subprocess.run(["pkill", "-f", f"pgbouncer -d {work}"], capture_output=True)
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)
    fails = sum(1 for r in rows if r[3] == "FAIL")
    print(f"\n{len(rows)} measures, {fails} below target")


if __name__ == "__main__":
    main()
