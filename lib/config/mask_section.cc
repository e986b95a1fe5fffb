// The [mask] section. Filled in by the masking work; until then any [mask]
// table is refused so that a config asking for masking never runs unmasked.
#include "config/section.h"

namespace pqward::config {

Status ParseMaskSection(const toml::table& t, const std::string& source, mask::Options* out) {
  return Status::Config(Where(source, t) + "[mask] is not supported by this build");
}

}  // namespace pqward::config
