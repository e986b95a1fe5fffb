// pqward: the command line. Wires CLI11 to the subcommands (commands.h) and
// resolves the journal path: --journal, else PQWARD_JOURNAL or the config's
// [journal] path (PQWARD_CONFIG), else the default per-user journal.
#include <CLI/CLI.hpp>

#include "commands.h"
#include "config/config.h"

namespace {

// Empty on error (message printed).
std::string JournalPath(const std::string& given) {
  if (!given.empty()) return given;
  pqward::Config config;
  pqward::Status st = pqward::LoadConfig(&config);
  if (!st.ok()) {
    pqward::cli::Fail(st.message(), 2);
    return "";
  }
  return config.journal.path;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"pqward: record and mask every libpq session"};
  app.require_subcommand(1);
  std::string journal, config, session, format = "jsonl";
  std::vector<std::string> command;

  CLI::App* run = app.add_subcommand("run", "Run a program with pqward loaded");
  run->add_option("--journal", journal, "Journal file (default: PQWARD_JOURNAL, config, XDG)");
  run->add_option("--config", config, "pqward TOML config (sets PQWARD_CONFIG)");
  run->add_option("command", command, "Program and its arguments (after --)")->required();
  CLI::App* sessions = app.add_subcommand("sessions", "List sessions, one line each");
  sessions->add_option("--journal", journal, "Journal file");
  CLI::App* show = app.add_subcommand("show", "Print a session as a transcript");
  show->add_option("--journal", journal, "Journal file");
  show->add_option("session", session, "Session id or unique prefix")->required();
  CLI::App* exp = app.add_subcommand("export", "Print events as JSON lines");
  exp->add_option("--journal", journal, "Journal file");
  exp->add_option("--format", format, "Output format")->check(CLI::IsMember({"jsonl"}));
  exp->add_option("--session", session, "Only this session (id or unique prefix)");
  CLI::App* verify = app.add_subcommand("verify", "Check every session's hash chain");
  verify->add_option("--journal", journal, "Journal file");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (*run) return pqward::cli::Run(journal, config, command);
  std::string path = JournalPath(journal);
  if (path.empty()) return 2;
  if (*sessions) return pqward::cli::Sessions(path);
  if (*show) return pqward::cli::Show(path, session);
  if (*exp) return pqward::cli::Export(path, format, session);
  return pqward::cli::Verify(path);
}
