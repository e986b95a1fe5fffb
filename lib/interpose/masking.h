// Masking on the libpq paths: applies lib/mask's decisions to what libpq hands
// the program, before the program or the journal sees it. Tuples are masked in
// place with PQsetvalue (only the masked cells are touched); COPY OUT rows are
// rewritten per row; error and notice texts, and NOTIFY payloads, go through
// the content detectors. What cannot be masked (binary COPY with masked
// columns, large objects, PQfn, the old COPY API) is refused unless allowed.
#pragma once

#include <string>

#include <libpq-fe.h>

#include "interpose/conn_state.h"
#include "mask/masker.h"
#include "util/status.h"

namespace pqward::interpose {

// The process Masker; nullptr (and OK) when no [mask] is configured.
Status GetMasker(const mask::Masker** out);

// Session start: rules that name a table must match its columns; notices
// are routed through the detectors.
Status StartMasking(ConnState* st);

// Masks the cells of a tuple result in place. Errors when a source table
// cannot be resolved (the caller withholds the result).
Status MaskTuples(ConnState* st, MaskState* ms, PGresult* res);

// Masks an error result's message and fields, and the connection's message.
void MaskError(ConnState* st, const PGresult* res);

// Masks detected content in a journaled text (error messages).
void MaskJournalText(std::string* text);

// A COPY OUT started for `sql`: plans its rows. Errors for a binary COPY that
// would leak a masked column, or when the rows cannot be planned.
Status PlanCopyOut(ConnState* st, MaskState* ms, const std::string& sql, const PGresult* res);

// Masks one COPY OUT row, replacing *buffer (malloc'd, PQfreemem-able).
void MaskCopyRow(const MaskState& ms, char** buffer, int* len);

// Whether the old line-based COPY API may return rows (no masking possible).
Status CheckOldCopyApi();

// Large objects and PQfn: refused when masking is on, unless allowed.
Status CheckLargeObjects();

// A NOTIFY from PQnotifies with its payload masked (may replace `n`).
PGnotify* MaskNotify(PGnotify* n);

// PQsetNoticeReceiver / PQsetNoticeProcessor while masking notices.
PQnoticeReceiver SetProgramReceiver(ConnState* st, PQnoticeReceiver proc, void* arg);
PQnoticeProcessor SetProgramProcessor(ConnState* st, PQnoticeProcessor proc, void* arg);

// A command tag after which catalog names may have changed.
void NoteCommandTag(ConnState* st, const char* tag);

}  // namespace pqward::interpose
