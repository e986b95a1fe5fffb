// SetText: one out-of-line copy of std::string assignment, for the
// statement's path. With C++20, libstdc++'s string members are constexpr and
// so inline: each `s = p` there expands to several hundred bytes of code of
// its own. On the path of every statement, distinct code is what costs
// (docs/performance.md, "The OLTP gap"), so its assignments share this one.
#pragma once

#include <string>

namespace pqward {

// *s = text (a NUL-terminated string).
void SetText(std::string* s, const char* text);

}  // namespace pqward
