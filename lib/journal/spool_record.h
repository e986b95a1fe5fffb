// Spool records (private to journal/): the binary form in which a program's
// thread spools and queues an event. Writing one is a handful of memory
// copies; the event's canonical JSON, which the hash chain covers, is made
// from it later by the writer thread, or by whoever recovers the spool of a
// dead process. This keeps the JSON encoder (about 3,000 instructions and a
// fifth of the instruction-cache misses pqward adds to a one-row SELECT) off
// the statement's path. docs/journal.md ("Durability") has the layout.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "journal/event.h"
#include "journal/store.h"

namespace pqward::journal {

// A record is kRecordMark, the body's size (8 bytes), the body, kRecordEnd.
// Integers are in host byte order: a spool never leaves its machine. The
// mark is never the first byte of a spool line of pqward 0.1 (hex or '-').
inline constexpr char kRecordMark = '\x01';
inline constexpr char kRecordEnd = '\n';

// Records encoded back to back: the first `size` bytes of `space`. The
// space beyond them is kept from one use to the next, so that encoding a
// record does not first fill the room it reserves with zeros (as resizing a
// std::string would, on every statement).
struct RecordBuffer {
  std::string space;
  size_t size = 0;

  std::string_view view() const { return {space.data(), size}; }
  void clear() { size = 0; }
};

// Appends event `ev` of `session` as one record to *out; with `result`, its
// columns and values are taken from there (event.h, ResultSource).
void AppendSpoolRecord(std::string_view session, const Event& ev, RecordBuffer* out,
                       const ResultSource* result = nullptr);

// The size of the whole record `data` starts with, or 0 when it does not
// start with one (a torn or foreign record, or the zero byte that ends the
// records of a mapped spool).
size_t SpoolRecordSize(std::string_view data);

// Decodes one whole record into a view of it: the strings of *ev point into
// `record`, and its session is set whatever its seq. False when malformed.
bool ParseSpoolRecord(std::string_view record, EventView* ev);

// Adds the unsealed spool line of every whole record at the start of
// `records` to *out, up to the first thing that is not one. Returns how many
// records it read; one that does not decode is counted but not added.
size_t AddSpoolRecords(std::string_view records, Batch* out);

// Records waiting for the writer, back to back, and their count. The
// appends to a mapped spool only count theirs: the writer copies them out of
// the map when it takes the queue (recorder.cc). Cleared queues keep their
// memory: the writer and the appenders hand one buffer back and forth.
struct RecordQueue {
  std::string bytes;
  size_t count = 0;

  void Add(std::string_view record) {
    bytes.append(record);
    ++count;
  }
  void clear() {
    bytes.clear();
    count = 0;
  }
  void swap(RecordQueue& other) {
    bytes.swap(other.bytes);
    std::swap(count, other.count);
  }
  bool empty() const { return count == 0; }
};

}  // namespace pqward::journal
