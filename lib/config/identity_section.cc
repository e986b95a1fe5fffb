// The [identity] and [broker] sections. Filled in by the identity work; until
// then they are refused so that a brokered target is never connected unbrokered.
#include "config/section.h"

namespace pqward::config {

Status ParseIdentitySection(const toml::table& t, const std::string& source,
                            identity::Options* out) {
  return Status::Config(Where(source, t) + "[identity] is not supported by this build");
}

Status ParseBrokerSection(const toml::table& t, const std::string& source, identity::Options* out) {
  return Status::Config(Where(source, t) + "[broker] is not supported by this build");
}

}  // namespace pqward::config
