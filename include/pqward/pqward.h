/*
 * pqward.h: the public C API of pqward, beside the libpq API it re-exports.
 *
 * A program needs none of this to be recorded and masked: loading libpqward.so
 * (LD_PRELOAD, linking it instead of -lpq, or the drop-in libpq.so.5) is enough.
 * These calls let a program that knows about pqward ask what it is doing.
 * Every function is safe to call from any thread and never terminates the process.
 */
#ifndef PQWARD_PQWARD_H
#define PQWARD_PQWARD_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define PQWARD_EXPORT __attribute__((visibility("default")))
#else
#define PQWARD_EXPORT
#endif

typedef struct pg_conn PGconn;

/* Result codes. Numbered; only ever added to, never renumbered or removed. */
typedef enum {
  PQWARD_OK = 0,
  PQWARD_ERR_CONFIG = 1,     /* malformed or invalid configuration */
  PQWARD_ERR_IO = 2,         /* file or socket I/O failed */
  PQWARD_ERR_JOURNAL = 3,    /* the journal cannot be opened or written */
  PQWARD_ERR_NOT_FOUND = 4,  /* a named thing does not exist */
  PQWARD_ERR_PERMISSION = 5, /* unsafe file permissions or access refused */
  PQWARD_ERR_IDENTITY = 6,   /* OIDC provider failure */
  PQWARD_ERR_BROKER = 7,     /* credential broker failure */
  PQWARD_ERR_MASK = 8,       /* masking refused or failed */
  PQWARD_ERR_LIBPQ = 9,      /* the real libpq is missing or incompatible */
  PQWARD_ERR_INTERNAL = 10,  /* unexpected internal state */
  PQWARD_ERR_CORRUPT = 11    /* journal integrity check failed */
} pqward_code;

/* pqward's version, e.g. "0.1.0". Static storage; never NULL. */
PQWARD_EXPORT const char* pqward_version(void);

/* Text for a pqward_code, e.g. "Journal". Static storage; never NULL. */
PQWARD_EXPORT const char* pqward_strerror(int code);

/*
 * The journal session id of a connection (32 hex digits), or NULL when the
 * connection is unknown to pqward. Valid until PQfinish(conn).
 */
PQWARD_EXPORT const char* pqward_session_id(const PGconn* conn);

/*
 * Writes every event spooled so far into the SQLite journal before returning.
 * Events are durable without this (the spool survives a crash); this only makes
 * them visible to readers now. Returns PQWARD_OK or an error code.
 */
PQWARD_EXPORT int pqward_flush(void);

#ifdef __cplusplus
}
#endif

#endif /* PQWARD_PQWARD_H */
