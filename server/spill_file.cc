#include "server/spill_file.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/errors.h"
#include "hdf5.h"

namespace spikeserve::server {
namespace {

std::string BlockName(uint64_t key) { return absl::StrCat("b", key); }

// Whether a process with this id exists (it may be ours).
bool Running(pid_t pid) { return kill(pid, 0) == 0 || errno == EPERM; }

}  // namespace

std::string SpillFilePath(const std::string& spill_dir, const std::string& id_prefix, uint64_t n) {
  return absl::StrCat(spill_dir, "/session-", getpid(), "-", id_prefix, "-", n, ".h5");
}

int RemoveStaleSpillFiles(const std::string& spill_dir) {
  std::error_code error;
  int removed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(spill_dir, error)) {
    const std::string name = entry.path().filename().string();
    int64_t pid = 0;
    const std::vector<std::string> parts = absl::StrSplit(name, '-');
    if (parts.size() != 4 || parts[0] != "session" || !absl::EndsWith(name, ".h5") ||
        !absl::SimpleAtoi(parts[1], &pid) || pid <= 0 || !entry.is_regular_file(error)) {
      continue;
    }
    // Unlinking a file a live server still has open would not lose its data
    // either: the server keeps reading through its descriptor.
    if ((pid == getpid() || !Running(static_cast<pid_t>(pid))) &&
        std::filesystem::remove(entry.path(), error)) {
      ++removed;
    }
  }
  return removed;
}

SpillFile::~SpillFile() {
  if (file_.get() < 0) return;
  {
    QuietHdf5Errors quiet;
    // The contents go anyway; in memory the close cannot fail (and crash).
    RedirectFileToMemory(file_.get());
    file_ = Handle();
  }
  std::error_code ignored;
  if (std::filesystem::is_regular_file(path_, ignored)) std::filesystem::remove(path_, ignored);
}

absl::Status SpillFile::WriteFailed(const std::string& what) {
  return engine::ResourceExhausted(
      "", engine::reason::kLimitExceeded,
      absl::StrCat("the session's recorded data exceeds its memory budget "
                   "(--recording_memory_budget_mb) and cannot be moved to its spill file '",
                   path_, "' under --data_dir: ", what,
                   "; the data recorded so far is kept in memory. Make room there, point "
                   "--data_dir elsewhere, or raise the budget"));
}

absl::Status SpillFile::Create() {
  std::error_code error;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), error);
  if (error) return WriteFailed(absl::StrCat("cannot create its directory: ", error.message()));
  file_ = Handle(H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
  if (file_.get() < 0) return WriteFailed(TakeHdf5Complaint());
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> SpillFile::Write(const double* values, uint64_t count) {
  QuietHdf5Errors quiet;
  if (file_.get() < 0) {
    if (absl::Status created = Create(); !created.ok()) return created;
  }
  const uint64_t key = next_key_++;
  const std::string name = BlockName(key);
  const hsize_t size = count;
  Handle space(H5Screate_simple(1, &size, nullptr), H5Sclose);
  // Contiguous: a block is written once, whole, and read in ranges.
  Handle dataset(H5Dcreate2(file_.get(), name.c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                            H5P_DEFAULT, H5P_DEFAULT),
                 H5Dclose);
  bool ok = dataset.get() >= 0 &&
            H5Dwrite(dataset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values) >= 0;
  ok = H5Dclose(dataset.release()) >= 0 && ok;
  // On disk before the caller drops its copy: a full disk shows here.
  ok = ok && H5Fflush(file_.get(), H5F_SCOPE_LOCAL) >= 0;
  if (!ok) {
    const std::string complaint = TakeHdf5Complaint();
    if (H5Lexists(file_.get(), name.c_str(), H5P_DEFAULT) > 0)
      H5Ldelete(file_.get(), name.c_str(), H5P_DEFAULT);
    H5Eclear2(H5E_DEFAULT);
    return WriteFailed(complaint);
  }
  return key;
}

absl::Status SpillFile::Read(uint64_t key, uint64_t first, uint64_t count, double* out) {
  QuietHdf5Errors quiet;
  const std::string name = BlockName(key);
  Handle dataset(H5Dopen2(file_.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
  Handle file_space(dataset.get() >= 0 ? H5Dget_space(dataset.get()) : H5I_INVALID_HID, H5Sclose);
  const hsize_t start = first, size = count;
  Handle memory_space(H5Screate_simple(1, &size, nullptr), H5Sclose);
  const bool ok =
      file_space.get() >= 0 &&
      H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &size, nullptr) >= 0 &&
      H5Dread(dataset.get(), H5T_NATIVE_DOUBLE, memory_space.get(), file_space.get(), H5P_DEFAULT,
              out) >= 0;
  if (!ok) {
    return absl::InternalError(absl::StrCat("cannot read block ", name, " of the spill file '",
                                            path_, "': ", TakeHdf5Complaint()));
  }
  return absl::OkStatus();
}

void SpillFile::Erase(uint64_t key) {
  if (file_.get() < 0) return;
  QuietHdf5Errors quiet;
  // Failing only leaves the space unused until the file goes. The flush
  // keeps the file as the session sees it, for whoever inspects it.
  if (H5Ldelete(file_.get(), BlockName(key).c_str(), H5P_DEFAULT) < 0 ||
      H5Fflush(file_.get(), H5F_SCOPE_LOCAL) < 0) {
    H5Eclear2(H5E_DEFAULT);
  }
}

}  // namespace spikeserve::server
