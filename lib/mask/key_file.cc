// Loading the masking key file with the permission checks of key_file.h.
#include "mask/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace pqward::mask {

Status ReadKeyFile(const std::string& path, std::string* key) {
  std::string what = "key_file '" + path + "'";
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return Status::Permission(what + ": " + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Status::Permission(what + ": not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::Permission(what + ": mode " + mode +
                              " gives access to group or others; chmod 600 it");
  }
  std::string data;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0 && data.size() < (1u << 20)) data.append(buf, n);
  int read_errno = errno;
  close(fd);
  if (n < 0) return Status::Io(what + ": " + std::strerror(read_errno));
  while (!data.empty() && (data.back() == '\n' || data.back() == '\r')) data.pop_back();
  if (data.size() < 16) return Status::Config(what + ": key must be at least 16 bytes");
  *key = std::move(data);
  return Status::OK();
}

}  // namespace pqward::mask
