// SetText; see text.h.
#include "util/text.h"

#include <cstring>

namespace pqward {

[[gnu::noinline]] void SetText(std::string* s, const char* text) {
  s->assign(text, std::strlen(text));
}

}  // namespace pqward
