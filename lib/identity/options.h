// Options of the [identity] and [[broker.target]] config sections.
// Owned by identity/; parsed by config/.
#pragma once

namespace pqward::identity {

struct Options {
  bool enabled() const { return false; }
};

}  // namespace pqward::identity
