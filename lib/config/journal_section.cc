// The [journal] section: path, capture_rows, on_failure.
#include "config/section.h"

namespace pqward::config {

Status ParseJournalSection(const toml::table& t, const std::string& source, journal::Options* out) {
  PQWARD_RETURN_IF_ERROR(CheckKeys(t, "[journal]", {"path", "capture_rows", "on_failure"}, source));
  PQWARD_RETURN_IF_ERROR(GetString(t, "path", source, &out->path));
  long long rows = out->capture_rows;
  PQWARD_RETURN_IF_ERROR(GetInt(t, "capture_rows", source, &rows));
  if (rows < 0 || rows > 1000000) {
    return Status::Config(Where(source, *t.get("capture_rows")) +
                          "capture_rows must be between 0 and 1000000");
  }
  out->capture_rows = static_cast<int>(rows);
  std::string policy = out->fail_open ? "allow" : "deny";
  PQWARD_RETURN_IF_ERROR(GetString(t, "on_failure", source, &policy));
  if (policy != "allow" && policy != "deny") {
    return Status::Config(Where(source, *t.get("on_failure")) +
                          "on_failure must be \"deny\" or \"allow\"");
  }
  out->fail_open = policy == "allow";
  return Status::OK();
}

}  // namespace pqward::config
