// The outermost-call guard. libpq calls its own exports through the PLT, so
// with interposition PQexec comes back to us as PQsendQuery + PQgetResult, and
// PQconnectPoll as PQgetResult. Only the outermost libpq call a program makes
// is recorded; calls made from inside another libpq call pass straight to the
// real function. The depth is per thread, so a PGconn per thread is fine.
//
// initial-exec: every wrapped call reads and writes it, and in a dlopen'ed
// library the default TLS model makes each access a call into the dynamic
// loader. The few bytes come from glibc's static TLS reserve for dlopen'ed
// libraries; were it exhausted, the core would not load: the shim names the
// cause on stderr and every libpq call fails (closed, not unrecorded).
#pragma once

namespace pqward::interpose {

[[gnu::tls_model("initial-exec")]] inline thread_local int t_depth = 0;

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
