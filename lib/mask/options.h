// Options of the [mask] config section. Owned by mask/; parsed by config/.
#pragma once

namespace pqward::mask {

struct Options {
  bool enabled() const { return false; }
};

}  // namespace pqward::mask
