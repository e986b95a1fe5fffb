/*
 * shim.c: the thin layer every process that loads pqward maps.
 *
 * This file, with the generated forwarders, is all of libpqward.so and of the
 * drop-in libpq.so.5. It is C with nothing in DT_NEEDED but libc, has no
 * constructor, and does nothing until the first libpq call: only then does it
 * dlopen the C++ core (libpqward-core.so), which brings libstdc++, SQLite,
 * OpenSSL and curl. So `sh`, `git` or `python` started under LD_PRELOAD by an
 * agent map one small library and run as they would without it.
 */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pqward_build_config.h"
#include "shim_int.h"

/* libpq's data export. Real libpq's PQresStatus may bind to this copy (when
 * pqward is the drop-in libpq.so.5), so it holds exactly libpq 15's strings. */
char* const pgresStatus[] = {
    "PGRES_EMPTY_QUERY", "PGRES_COMMAND_OK",   "PGRES_TUPLES_OK",      "PGRES_COPY_OUT",
    "PGRES_COPY_IN",     "PGRES_BAD_RESPONSE", "PGRES_NONFATAL_ERROR", "PGRES_FATAL_ERROR",
    "PGRES_COPY_BOTH",   "PGRES_SINGLE_TUPLE", "PGRES_PIPELINE_SYNC",  "PGRES_PIPELINE_ABORTED",
};

typedef const struct pqw_api* (*core_entry_fn)(int abi, char* err, size_t errlen);

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static const struct pqw_api* g_api; /* written once under g_once */
static char g_error[512];           /* why the core did not load */
static atomic_int g_reports;

/* Tries one candidate path; keeps the dlerror() text of the last failure. */
static void* try_open(const char* path) {
  void* h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL) snprintf(g_error, sizeof g_error, "%s", dlerror());
  return h;
}

/* The core sits beside this library, or one or two levels up (the drop-in
 * lives in <libdir>/dropin or <libdir>/pqward). PQWARD_CORE overrides. */
static void* open_core(void) {
  const char* env = getenv("PQWARD_CORE");
  if (env != NULL && env[0] != '\0') return try_open(env);
  Dl_info info;
  if (dladdr((void*)&open_core, &info) != 0 && info.dli_fname != NULL) {
    static const char* const rel[] = {"", "../", "../../"};
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", info.dli_fname);
    char* slash = strrchr(dir, '/');
    if (slash != NULL) {
      slash[1] = '\0';
      for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        char path[PATH_MAX + 32];
        snprintf(path, sizeof path, "%s%slibpqward-core.so", dir, rel[i]);
        void* h = try_open(path);
        if (h != NULL) return h;
      }
    }
  }
  return try_open(PQWARD_LIBDIR "/libpqward-core.so");
}

static const struct pqw_api* enter_core(void) {
  void* h = open_core();
  if (h == NULL) return NULL;
  core_entry_fn entry = (core_entry_fn)dlsym(h, "pqward_core_api");
  if (entry == NULL) {
    snprintf(g_error, sizeof g_error, "libpqward-core.so has no pqward_core_api");
    return NULL;
  }
  return entry(PQW_API_ABI, g_error, sizeof g_error);
}

/* Binds every forwarder's slot, to the core or, if it did not load, to the
 * function that reports why; either way no slot points at its loader again. */
static void load_core(void) {
  g_api = enter_core();
  pqw_shim_bind(g_api);
}

/* Only the loaders and the two variadic exports below ask for the table, so
 * pthread_once alone guards it: the forwarders' hot path is their slots. */
const struct pqw_api* pqw_shim_api(void) {
  pthread_once(&g_once, load_core);
  return g_api;
}

static const char* missing_cause(void) {
  return g_error[0] != '\0' ? g_error : "not found in the real libpq";
}

void pqw_shim_missing(const char* name) {
  if (atomic_fetch_add(&g_reports, 1) >= 5) return;
  fprintf(stderr, "pqward: %s is unavailable: %s\n", name, missing_cause());
}

static pthread_once_t g_reason_once = PTHREAD_ONCE_INIT;
static char g_reason[sizeof g_error + 64];

static void format_reason(void) {
  snprintf(g_reason, sizeof g_reason, "pqward: libpq is unavailable: %s\n", missing_cause());
}

char* pqw_shim_reason(void) {
  pthread_once(&g_reason_once, format_reason);
  return g_reason;
}

/* The two variadic exports format with libc and append through the core. */
static void append_va(PQExpBuffer str, const char* fmt, va_list ap) {
  const struct pqw_api* a = pqw_shim_api();
  char* text = NULL;
  int n = vasprintf(&text, fmt, ap);
  if (n < 0) return;
  if (a != NULL && a->appendBinaryPQExpBuffer != NULL) {
    a->appendBinaryPQExpBuffer(str, text, (size_t)n);
  } else {
    pqw_shim_missing("appendPQExpBuffer");
  }
  free(text);
}

void appendPQExpBuffer(PQExpBuffer str, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  append_va(str, fmt, ap);
  va_end(ap);
}

void printfPQExpBuffer(PQExpBuffer str, const char* fmt, ...) {
  const struct pqw_api* a = pqw_shim_api();
  if (a != NULL && a->resetPQExpBuffer != NULL) a->resetPQExpBuffer(str);
  va_list ap;
  va_start(ap, fmt);
  append_va(str, fmt, ap);
  va_end(ap);
}
