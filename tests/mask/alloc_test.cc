// The fast path allocates nothing: counts operator new calls on this thread
// while masking cells and text that need no change. (Under ASan run with
// ASAN_OPTIONS=alloc_dealloc_mismatch=0: this override pairs with libhs's new[].)
#include <cstdlib>
#include <new>

#include "mask_test_util.h"

namespace {
thread_local long t_allocations = 0;
}  // namespace

void* operator new(std::size_t n) {
  ++t_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

TEST_CASE("unchanged cells and text allocate nothing", "[mask][perf]") {
  const auto& m = masktest::Detecting();
  std::vector<pqward::mask::ColumnInfo> cols = {masktest::Col("id", 23), masktest::Col("note", 25)};
  auto plan = m.Plan(cols);
  std::string out;
  std::string text = "order 42 shipped on 2024-03-15 with version 1.2.3, see ticket #4521";
  std::string secret = text + " ssn 123-45-6789";
  // Warm up the per-thread scratch and buffers.
  m.MaskCell(plan, 1, "ssn 123-45-6789", &out);
  long before = t_allocations;
  for (int i = 0; i < 100; ++i) {
    CHECK(m.MaskCell(plan, 0, "12345", &out) == masktest::CellResult::kUnchanged);
    CHECK(m.MaskCell(plan, 1, text, &out) == masktest::CellResult::kUnchanged);
    CHECK_FALSE(m.MaskText(text, &out));
  }
  long after = t_allocations;
  CHECK(after - before == 0);
  // The counter works: a masked cell does allocate.
  m.MaskCell(plan, 1, secret, &out);
  long masked = t_allocations;
  CHECK(masked > after);
}
