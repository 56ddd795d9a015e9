// Files the server writes for clients (ExportData): where they may go under
// the data directory, and how a file travels back as a stream.
#ifndef SPIKESERVE_SERVER_EXPORT_FILES_H_
#define SPIKESERVE_SERVER_EXPORT_FILES_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "spikeserve/v1/simulator.pb.h"

namespace spikeserve::server {

// `relative` resolved under `data_dir`, its directories created. Only plain
// relative paths ending in .h5 or .nix are allowed: no absolute paths, no
// "..", so a client can never write outside the data directory.
absl::StatusOr<std::string> ExportPath(const std::string& data_dir, const std::string& relative);

// A fresh, unguessable file name for a download, under data_dir/.scratch.
absl::StatusOr<std::string> ExportScratchPath(const std::string& data_dir);

// Sends the file in chunks of about 1 MiB; the last carries total_bytes.
// CANCELLED when `write` returns false.
absl::Status StreamFile(const std::string& path,
                        const std::function<bool(v1::ExportDataChunk&)>& write);

}  // namespace spikeserve::server

#endif  // SPIKESERVE_SERVER_EXPORT_FILES_H_
