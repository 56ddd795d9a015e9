#include "engine/errors.h"

#include <string>

#include "absl/strings/cord.h"

namespace spikeserve::engine {
namespace {
// The system Abseil is built with its own string_view type, not std's.
absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }
}  // namespace

absl::Status MakeError(absl::StatusCode code, std::string_view field, std::string_view reason_code,
                       std::string_view message) {
  absl::Status status(code, Av(message));
  if (!field.empty()) status.SetPayload(Av(kFieldPayload), absl::Cord(Av(field)));
  if (!reason_code.empty()) status.SetPayload(Av(kReasonPayload), absl::Cord(Av(reason_code)));
  return status;
}

absl::Status InvalidArgument(std::string_view field, std::string_view reason_code,
                             std::string_view message) {
  return MakeError(absl::StatusCode::kInvalidArgument, field, reason_code, message);
}
absl::Status NotFound(std::string_view field, std::string_view reason_code,
                      std::string_view message) {
  return MakeError(absl::StatusCode::kNotFound, field, reason_code, message);
}
absl::Status FailedPrecondition(std::string_view field, std::string_view reason_code,
                                std::string_view message) {
  return MakeError(absl::StatusCode::kFailedPrecondition, field, reason_code, message);
}
absl::Status ResourceExhausted(std::string_view field, std::string_view reason_code,
                               std::string_view message) {
  return MakeError(absl::StatusCode::kResourceExhausted, field, reason_code, message);
}
absl::Status Unimplemented(std::string_view field, std::string_view message) {
  return MakeError(absl::StatusCode::kUnimplemented, field, reason::kNotImplemented, message);
}

absl::Status PrefixField(const absl::Status& status, std::string_view prefix) {
  if (status.ok()) return status;
  const std::string old = ErrorField(status);
  absl::Status out = status;
  std::string field(prefix);
  if (!old.empty()) field += "." + old;
  out.SetPayload(Av(kFieldPayload), absl::Cord(field));
  return out;
}

std::string ErrorField(const absl::Status& status) {
  auto payload = status.GetPayload(Av(kFieldPayload));
  return payload ? std::string(*payload) : std::string();
}

std::string ErrorReason(const absl::Status& status) {
  auto payload = status.GetPayload(Av(kReasonPayload));
  return payload ? std::string(*payload) : std::string();
}

}  // namespace spikeserve::engine
