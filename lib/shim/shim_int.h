/* Private to lib/shim: what the generated forwarders need from shim.c. */
#ifndef PQW_SHIM_INT_H
#define PQW_SHIM_INT_H

#include "pqw_api.h"

/* The core's table, loading the core on first call; NULL if it cannot load. */
const struct pqw_api* pqw_shim_api(void);

/* Points every forwarder at `a`'s functions, or at its missing_ stand-in
 * where `a` (or its entry) is NULL. Generated; called once by shim.c. */
void pqw_shim_bind(const struct pqw_api* a);

/* Reports (on stderr, a few times at most) that `name` cannot be forwarded. */
void pqw_shim_missing(const char* name);

/* Why forwarding failed, as a libpq-style message ending in a newline: what
 * the error-message getters return when they cannot be forwarded. */
char* pqw_shim_reason(void);

#endif
