// Clocks: wall time for timestamps in the journal, monotonic time for durations.
#pragma once

#include <cstdint>
#include <ctime>

namespace pqward {

inline int64_t NowWallUs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1000000 + ts.tv_nsec / 1000;
}

inline int64_t NowMonoUs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000 + ts.tv_nsec / 1000;
}

}  // namespace pqward
