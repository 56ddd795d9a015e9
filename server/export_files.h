// Files the server writes for clients (ExportData): where they may go under
// the data directory, and how a file travels back as a stream.
#ifndef SPIKESERVE_SERVER_EXPORT_FILES_H_
#define SPIKESERVE_SERVER_EXPORT_FILES_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "spikeserve/v1/simulator.pb.h"

namespace spikeserve::server {

// `relative` resolved under `data_dir`, its directories created. Only plain
// relative paths are allowed: no absolute paths, no "..", so a client can
// never write outside the data directory; they must end in one of
// `extensions` (what the file is, e.g. "a NIX file") unless that is empty.
absl::StatusOr<std::string> ExportPath(const std::string& data_dir, const std::string& relative,
                                       const std::string& what,
                                       const std::vector<std::string>& extensions);

// A fresh, unguessable file name for a download, under data_dir/.scratch.
absl::StatusOr<std::string> ExportScratchPath(const std::string& data_dir);

// Sends the file in chunks of about 1 MiB; the last carries total_bytes.
// CANCELLED when `write` returns false.
absl::Status StreamFile(const std::string& path,
                        const std::function<bool(v1::ExportDataChunk&)>& write);

}  // namespace spikeserve::server

#endif  // SPIKESERVE_SERVER_EXPORT_FILES_H_
