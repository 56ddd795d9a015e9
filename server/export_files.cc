#include "server/export_files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/errors.h"
#include "server/session_manager.h"
#include "server/spill_file.h"

namespace spikeserve::server {
namespace {

constexpr size_t kFileChunkBytes = 1 << 20;

absl::Status CreateDirectories(const std::filesystem::path& directory) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot create ", directory.string(), ": ", error.message()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ExportPath(const std::string& data_dir, const std::string& relative,
                                       const std::string& what,
                                       const std::vector<std::string>& extensions) {
  const std::filesystem::path path(relative);
  bool escapes = path.is_absolute() || relative.empty();
  for (const auto& part : path) escapes = escapes || part == "..";
  // Sessions' spill files live there (server/spill_file.h).
  const std::filesystem::path normal = path.lexically_normal();
  escapes = escapes || (!normal.empty() && *normal.begin() == kSpillDirectory);
  if (escapes) {
    return engine::InvalidArgument(
        "path", engine::reason::kOutOfRange,
        absl::StrCat("path must be relative to the server's data directory, without '..' and "
                     "outside its ",
                     kSpillDirectory, "/ (the server's own); got '", relative, "'"));
  }
  const bool named_right =
      extensions.empty() ||
      std::any_of(extensions.begin(), extensions.end(),
                  [&](const std::string& extension) { return absl::EndsWith(relative, extension); });
  if (!named_right) {
    return engine::InvalidArgument("path", engine::reason::kOutOfRange,
                                   absl::StrCat(what, "'s path must end in ",
                                                absl::StrJoin(extensions, " or "), "; got '",
                                                relative, "'"));
  }
  const std::filesystem::path full = std::filesystem::path(data_dir) / path;
  absl::Status created = CreateDirectories(full.parent_path());
  if (!created.ok()) return created;
  return full.string();
}

absl::StatusOr<std::string> ExportScratchPath(const std::string& data_dir) {
  const std::filesystem::path directory = std::filesystem::path(data_dir) / ".scratch";
  absl::Status created = CreateDirectories(directory);
  if (!created.ok()) return created;
  return (directory / (NewSessionId() + ".nix")).string();
}

absl::Status StreamFile(const std::string& path,
                        const std::function<bool(v1::ExportDataChunk&)>& write) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InternalError(absl::StrCat("cannot read ", path));
  const uint64_t total = std::filesystem::file_size(path);
  std::string buffer(kFileChunkBytes, '\0');
  uint64_t sent = 0;
  do {
    in.read(buffer.data(), buffer.size());
    v1::ExportDataChunk chunk;
    chunk.set_data(buffer.data(), static_cast<size_t>(in.gcount()));
    sent += in.gcount();
    if (sent == total) chunk.set_total_bytes(total);
    if (!write(chunk)) {
      return absl::Status(absl::StatusCode::kCancelled, "the client stopped reading");
    }
  } while (sent < total && in);
  if (sent != total) return absl::InternalError(absl::StrCat("short read of ", path));
  return absl::OkStatus();
}

}  // namespace spikeserve::server
