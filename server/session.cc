#include "server/session.h"

#include <malloc.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/errors.h"

namespace spikeserve::server {

Session::Session(std::string id, std::string label, std::unique_ptr<engine::Simulation> simulation,
                 uint64_t max_upload_bytes)
    : id_(std::move(id)),
      label_(std::move(label)),
      simulation_(std::move(simulation)),
      max_upload_bytes_(max_upload_bytes),
      last_used_ns_(absl::GetCurrentTimeNanos()) {}

Session::~Session() {
  // A session may have held gigabytes, and glibc keeps the pages of freed
  // blocks below its mmap threshold (1 MiB in the server: main.cc) in its
  // heap: hand them back to the system, for the other sessions and the rest
  // of the machine, once the last call holding the session is gone.
  simulation_.reset();
  uploads_.clear();
  malloc_trim(0);
}

absl::StatusOr<uint64_t> Session::AddUpload(std::string bytes) {
  if (upload_bytes_ + bytes.size() > max_upload_bytes_) {
    return engine::ResourceExhausted(
        "data", engine::reason::kLimitExceeded,
        absl::StrCat("pending uploads would hold ", upload_bytes_ + bytes.size(),
                     " bytes; the limit per session is ", max_upload_bytes_,
                     " (use them in a request to free them)"));
  }
  upload_bytes_ += bytes.size();
  const uint64_t id = next_upload_id_++;
  uploads_.emplace(id, std::move(bytes));
  return id;
}

absl::StatusOr<std::string> Session::TakeUpload(uint64_t upload_id) {
  auto it = uploads_.find(upload_id);
  if (it == uploads_.end()) {
    return engine::NotFound("upload_id", engine::reason::kMissing,
                            absl::StrCat("no pending upload with id ", upload_id,
                                         " in this session (each upload can be used once)"));
  }
  std::string bytes = std::move(it->second);
  upload_bytes_ -= bytes.size();
  uploads_.erase(it);
  return bytes;
}

}  // namespace spikeserve::server
