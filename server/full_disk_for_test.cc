#include "server/full_disk_for_test.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

namespace spikeserve::server {
namespace {

struct State {
  std::string path;  // as /proc/self/fd shows it; empty: the disk is fine
  size_t large_write = 0;
  bool full = false;
} state;

bool WritesTo(int descriptor, const std::string& path) {
  char target[4096];
  const ssize_t length =
      readlink(("/proc/self/fd/" + std::to_string(descriptor)).c_str(), target, sizeof(target));
  return length >= 0 && std::string(target, length) == path;
}

}  // namespace

FullDisk::FullDisk(const std::string& path, size_t large_write) {
  state = {std::filesystem::weakly_canonical(path).string(), large_write, false};
}

FullDisk::~FullDisk() { state = {}; }

}  // namespace spikeserve::server

extern "C" ssize_t pwrite(int descriptor, const void* data, size_t count, off_t offset) {
  using spikeserve::server::state;
  static const auto real_pwrite =
      reinterpret_cast<ssize_t (*)(int, const void*, size_t, off_t)>(dlsym(RTLD_NEXT, "pwrite"));
  if (!state.path.empty() && (state.full || count >= state.large_write) &&
      spikeserve::server::WritesTo(descriptor, state.path)) {
    state.full = true;
    errno = ENOSPC;
    return -1;
  }
  return real_pwrite(descriptor, data, count, offset);
}
