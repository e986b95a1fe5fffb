// Mode-checked reading and atomic 0600 writing of secret files (secret_file.h).
#include "identity/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace pqward::identity {

Status CheckSecretFileMode(const std::string& path, const std::string& what) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return Status::NotFound(what + " " + path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return Status::Permission(what + " " + path + " is not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::Permission(what + " " + path + " has mode " + mode +
                              "; it must not be accessible by group or others (chmod 600)");
  }
  if (st.st_uid != geteuid()) {
    return Status::Permission(what + " " + path + " is not owned by the current user");
  }
  return Status::OK();
}

Status ReadSecretFile(const std::string& path, const std::string& what, std::string* out) {
  PQWARD_RETURN_IF_ERROR(CheckSecretFileMode(path, what));
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Io(what + " " + path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  while (!out->empty() && std::strchr(" \t\r\n", out->back()) != nullptr) out->pop_back();
  return Status::OK();
}

void MakeParentDir(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return;
  std::string dir = path.substr(0, slash);
  if (access(dir.c_str(), F_OK) == 0) return;
  for (size_t pos = 1; pos != std::string::npos;) {
    pos = dir.find('/', pos + 1);
    mkdir(dir.substr(0, pos).c_str(), 0700);
  }
}

Status WriteSecretFile(const std::string& path, const std::string& content) {
  MakeParentDir(path);
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = mkstemp(tmp.data());
  if (fd < 0) return Status::Io(path + ": cannot create temporary file: " + std::strerror(errno));
  fchmod(fd, 0600);
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  bool ok = done == content.size() && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return Status::Io(path + ": cannot write: " + std::strerror(err));
  }
  return Status::OK();
}

}  // namespace pqward::identity
