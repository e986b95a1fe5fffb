// The outermost-call guard. libpq calls its own exports through the PLT, so
// with interposition PQexec comes back to us as PQsendQuery + PQgetResult, and
// PQconnectPoll as PQgetResult. Only the outermost libpq call a program makes
// is recorded; calls made from inside another libpq call pass straight to the
// real function. The depth is per thread, so a PGconn per thread is fine.
#pragma once

namespace pqward::interpose {

inline thread_local int t_depth = 0;

class CallScope {
 public:
  CallScope() : outer_(t_depth++ == 0) {}
  ~CallScope() { --t_depth; }
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;
  bool outer() const { return outer_; }

 private:
  bool outer_;
};

}  // namespace pqward::interpose
