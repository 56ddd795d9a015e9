// A disk that fills up, for the tests of file writers: while a FullDisk
// lives, the first write of at least `large_write` bytes to `path` (the bulk
// data of a file, past its header) fails with ENOSPC, and so does every
// write to `path` after it. Works for HDF5 too: its POSIX driver writes with
// pwrite, and this library's pwrite takes precedence over libc's.
#ifndef SPIKESERVE_SERVER_FULL_DISK_FOR_TEST_H_
#define SPIKESERVE_SERVER_FULL_DISK_FOR_TEST_H_

#include <cstddef>
#include <string>

namespace spikeserve::server {

class FullDisk {
 public:
  explicit FullDisk(const std::string& path, size_t large_write = 100'000);
  FullDisk(const FullDisk&) = delete;
  FullDisk& operator=(const FullDisk&) = delete;
  ~FullDisk();
};

}  // namespace spikeserve::server

#endif  // SPIKESERVE_SERVER_FULL_DISK_FOR_TEST_H_
