#!/usr/bin/env python3
"""ABI and load-time checks of the thin shim (libpqward.so and the drop-in
libpq.so.5), run by meson (suite 'abi'):

  check_shim.py exports SHIM DROPIN CORE REAL_LIBPQ
  check_shim.py loadtime SHIM

exports: each shim exports exactly the real libpq's symbols plus pqward_*,
pgresStatus as data, no C++ symbol, needs only libc and never calls exit or
abort; the core exports only its entry point and does not link libpq.
loadtime: a process that never calls libpq, started with the shim preloaded,
maps no shared object beyond the shim, starts no thread, creates no file and
prints exactly what it prints without it; and when the core cannot be
loaded, a libpq client fails with pqward's reason on stderr instead of
hanging, crashing or reaching the server unrecorded."""
import os
import re
import subprocess
import sys
import tempfile

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def run(*cmd, env=None):
    return subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout


def dyn_symbols(lib, defined=True):
    """name -> (type, bind) of the dynamic symbols, from readelf --dyn-syms."""
    out = {}
    for line in run("readelf", "--dyn-syms", "-W", lib).splitlines():
        f = line.split()
        if len(f) < 8 or not f[0].rstrip(":").isdigit():
            continue
        name = f[7].split("@")[0]
        if (f[6] != "UND") == defined and name:
            out[name] = (f[3], f[4])
    return out


def needed(lib):
    return re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", run("readelf", "-d", lib))


def soname(lib):
    m = re.search(r"\(SONAME\)\s+Library soname: \[(.+?)\]", run("readelf", "-d", lib))
    return m.group(1) if m else ""


def check_shim(lib, real, expect_soname):
    name = os.path.basename(lib)
    ours = {n: t for n, t in dyn_symbols(lib).items() if t[1] in ("GLOBAL", "WEAK")}
    theirs = {n: t for n, t in dyn_symbols(real).items() if t[1] in ("GLOBAL", "WEAK")}
    extra = sorted(set(ours) - set(theirs))
    missing = sorted(set(theirs) - set(ours))
    check(not missing, f"{name}: exports every libpq symbol (missing: {missing[:5]})")
    check(all(n.startswith("pqward_") for n in extra),
          f"{name}: exports nothing but libpq and pqward_* (extra: {extra[:5]})")
    check(len(theirs) == 186, f"{name}: the real libpq has the 186 exports of libpq 15 "
          f"({len(theirs)})")
    check(ours.get("pgresStatus", ("",))[0] == "OBJECT", f"{name}: pgresStatus is data")
    check(not any(n.startswith("_Z") for n in ours), f"{name}: no C++ symbols exported")
    check(needed(lib) == ["libc.so.6"], f"{name}: DT_NEEDED is only libc.so.6 ({needed(lib)})")
    calls = set(dyn_symbols(lib, defined=False))
    check(not calls & {"exit", "_exit", "abort", "_Exit"}, f"{name}: never calls exit/abort")
    check(soname(lib) == expect_soname, f"{name}: soname {expect_soname} ({soname(lib)})")


def exports(shim, dropin, core, real):
    check_shim(shim, real, "libpqward.so")
    check_shim(dropin, real, "libpq.so.5")
    core_exports = [n for n, t in dyn_symbols(core).items() if t[1] in ("GLOBAL", "WEAK")]
    check(core_exports == ["pqward_core_api"], f"core exports only pqward_core_api ({core_exports[:5]})")
    check(not any(n.startswith("libpq") for n in needed(core)), "core does not link libpq")


def mapped_objects(env):
    maps = run("cat", "/proc/self/maps", env=env)
    return {line.split()[-1] for line in maps.splitlines() if ".so" in line.split()[-1]}


def loadtime(shim):
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ)
        env.pop("LD_PRELOAD", None)
        journal = os.path.join(tmp, "journal.db")
        env["PQWARD_JOURNAL"] = journal
        pre = dict(env, LD_PRELOAD=shim)
        plain, preloaded = mapped_objects(env), mapped_objects(pre)
        check(preloaded - plain == {os.path.realpath(shim)},
              f"a preloaded process maps only the shim beyond its own ({sorted(preloaded - plain)})")
        script = "import os; print(open('/proc/self/status').read().count('Threads:\\t1'))"
        for cmd in (["/bin/true"], ["sh", "-c", "echo hi; exit 3"],
                    ["/usr/bin/python3", "-c", script]):
            a = subprocess.run(cmd, env=env, capture_output=True, text=True)
            b = subprocess.run(cmd, env=pre, capture_output=True, text=True)
            check((a.returncode, a.stdout, a.stderr) == (b.returncode, b.stdout, b.stderr),
                  f"{' '.join(cmd)}: same exit code and output with the shim preloaded")
        check(os.listdir(tmp) == [], "no journal or spool file is created without a libpq call")
        missing_core(pre, tmp)


def missing_core(pre, tmp):
    """Every forwarder starts at a loader that binds all of them at once; when
    the core is missing they must all bind to the reporting stand-ins."""
    core = os.path.join(tmp, "absent", "libpqward-core.so")
    env = dict(pre, PQWARD_CORE=core)
    p = subprocess.run(["psql", "-X", "-h", tmp, "-c", "select 1"], env=env, capture_output=True,
                       text=True, timeout=30)
    check(p.returncode != 0 and f"is unavailable: {core}" in p.stderr,
          f"an unloadable core fails the client with its reason ({p.returncode}, {p.stderr[:80]!r})")
    check(f"libpq is unavailable: {core}" in p.stderr and "(null)" not in p.stderr,
          f"the client's own error message names the reason, not (null) ({p.stderr[-120:]!r})")


def main():
    if sys.argv[1] == "exports":
        exports(*sys.argv[2:6])
    elif sys.argv[1] == "loadtime":
        loadtime(sys.argv[2])
    print(f"{len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
