// The real libpq: one table of its functions, resolved once from a dlopen()
// handle of the real library opened by absolute path (sqlite's aSyscall[]
// idea). Never RTLD_NEXT: it returns NULL when libpq was loaded RTLD_LOCAL
// by a Python extension; never the drop-in of the same soname, which is us.
#pragma once

#include "pqw_api.h"
#include "util/status.h"

namespace pqward::interpose {

// Opens and resolves the real libpq (PQWARD_REAL_LIBPQ or the build default).
// Idempotent; the first result sticks.
Status LoadReal();

// The real functions; valid after LoadReal() returned OK.
const pqw_api& Real();

}  // namespace pqward::interpose
