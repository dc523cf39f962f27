#include "core/files.hpp"

#include <cerrno>
#include <csignal>
#include <dirent.h>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace at {
namespace {

std::string parent_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

void write_all(int fd, const std::string& data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(path + ": write failed: " + std::strerror(errno));
    }
    done += size_t(n);
  }
}

void fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

std::string read_file(const std::string& path, size_t max_bytes) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) throw InputError(path + ": " + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) throw InputError(path + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open");
  std::string data;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    data.append(buf, size_t(in.gcount()));
    if (data.size() > max_bytes)
      throw InputError(path + ": larger than " + std::to_string(max_bytes >> 20) + " MiB");
  }
  return data;
}

void make_dirs(const std::string& path) {
  if (path.empty() || path == "." || path == "/") return;
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) throw std::runtime_error(path + ": exists and is not a folder");
    return;
  }
  make_dirs(parent_of(path));
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
    throw std::runtime_error(path + ": cannot create folder: " + std::strerror(errno));
}

void write_file_atomic(const std::string& path, const std::string& content) {
  const std::string dir = parent_of(path);
  make_dirs(dir);
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(tmp + ": cannot create: " + std::strerror(errno));
  try {
    write_all(fd, content, tmp);
    if (::fsync(fd) != 0) throw std::runtime_error(tmp + ": fsync failed: " + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw std::runtime_error(path + ": rename failed: " + err);
  }
  fsync_dir(dir);
}

void for_each_line(const std::string& path, const std::function<void(const std::string&)>& f) {
  std::string text;
  try {
    text = read_file(path, size_t(1) << 30);
  } catch (const InputError&) {
    return;
  }
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    f(text.substr(pos, end - pos));
    pos = end + 1;
  }
}

void append_line(const std::string& path, const std::string& line) {
  make_dirs(parent_of(path));
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(path + ": cannot open for append: " + std::strerror(errno));
  try {
    write_all(fd, line + "\n", path);  // one write: O_APPEND keeps concurrent lines whole
    ::fsync(fd);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

size_t repair_last_line(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return 0;
  struct stat st;
  off_t end = ::fstat(fd, &st) == 0 ? st.st_size : 0;
  // Back to just after the last newline, reading the tail in blocks.
  off_t keep = 0;
  char buf[4096];
  for (off_t pos = end; pos > 0 && keep == 0;) {
    const off_t from = pos > off_t(sizeof buf) ? pos - off_t(sizeof buf) : 0;
    const ssize_t n = ::pread(fd, buf, size_t(pos - from), from);
    if (n <= 0) break;
    for (ssize_t i = n - 1; i >= 0; --i)
      if (buf[i] == '\n') {
        keep = from + i + 1;
        break;
      }
    pos = from;
  }
  size_t dropped = 0;
  if (keep < end && ::ftruncate(fd, keep) == 0) {
    ::fsync(fd);
    dropped = size_t(end - keep);
  }
  ::close(fd);
  return dropped;
}

void remove_stale_temp_files(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    const std::string n = e->d_name;
    const size_t at = n.rfind(".tmp.");
    if (at == std::string::npos || at + 5 >= n.size() || n.find_first_not_of("0123456789", at + 5) != std::string::npos)
      continue;
    const long pid = std::stol(n.substr(at + 5));
    if (pid > 0 && ::kill(pid_t(pid), 0) != 0 && errno == ESRCH) ::unlink((dir + "/" + n).c_str());
  }
  ::closedir(d);
}

}  // namespace at
