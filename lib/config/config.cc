// Loading the TOML config and dispatching each top-level table to its section
// parser. The only file that reads PQWARD_CONFIG and PQWARD_JOURNAL.
#include "config/config.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config/section.h"

namespace pqward {

namespace {

Status ParseTable(const toml::table& root, const std::string& source, Config* out) {
  PQWARD_RETURN_IF_ERROR(
      config::CheckKeys(root, "top level", {"journal", "mask", "identity", "broker"}, source));
  struct Section {
    const char* name;
    Status (*parse)(const toml::table&, const std::string&, Config*);
  };
  static const Section kSections[] = {
      {"journal", [](const toml::table& t, const std::string& s,
                     Config* c) { return config::ParseJournalSection(t, s, &c->journal); }},
      {"mask", [](const toml::table& t, const std::string& s,
                  Config* c) { return config::ParseMaskSection(t, s, &c->mask); }},
      {"identity", [](const toml::table& t, const std::string& s,
                      Config* c) { return config::ParseIdentitySection(t, s, &c->identity); }},
      {"broker", [](const toml::table& t, const std::string& s,
                    Config* c) { return config::ParseBrokerSection(t, s, &c->identity); }},
  };
  for (const Section& sec : kSections) {
    const toml::node* node = root.get(sec.name);
    if (node == nullptr) continue;
    const toml::table* table = node->as_table();
    if (table == nullptr) {
      return Status::Config(config::Where(source, *node) + "[" + sec.name + "] must be a table");
    }
    PQWARD_RETURN_IF_ERROR(sec.parse(*table, source, out));
  }
  return Status::OK();
}

}  // namespace

Status ParseConfig(std::string_view text, const std::string& source, Config* out) {
  out->source = source;
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& err) {
    return Status::Config(source + ":" + std::to_string(err.source().begin.line) + ": " +
                          std::string(err.description()));
  }
  return ParseTable(root, source, out);
}

Status LoadConfig(Config* out) {
  *out = Config();
  const char* file = std::getenv("PQWARD_CONFIG");
  if (file != nullptr && *file != '\0') {
    std::ifstream in(file);
    if (!in) return Status::Config(std::string(file) + ": cannot open config file");
    std::stringstream text;
    text << in.rdbuf();
    PQWARD_RETURN_IF_ERROR(ParseConfig(text.str(), file, out));
  }
  const char* journal = std::getenv("PQWARD_JOURNAL");
  if (journal != nullptr && *journal != '\0') out->journal.path = journal;
  if (out->journal.path.empty()) out->journal.path = journal::DefaultPath();
  return Status::OK();
}

}  // namespace pqward
