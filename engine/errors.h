// Errors raised at the engine boundary.
//
// Every rejected input becomes an absl::Status whose message names the offending
// field and what is allowed, and which carries two machine-readable payloads —
// the field path and a reason code — so that the server can hand them to
// clients without parsing text (DESIGN.md: "Errors carry a machine-readable
// reason").
#ifndef SPIKESERVE_ENGINE_ERRORS_H_
#define SPIKESERVE_ENGINE_ERRORS_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace spikeserve::engine {

// Reason codes shared by engine and server. They are part of the public API
// (clients switch on them), so existing values never change meaning.
namespace reason {
inline constexpr std::string_view kUnknownCellType = "UNKNOWN_CELL_TYPE";
inline constexpr std::string_view kUnknownParameter = "UNKNOWN_PARAMETER";
inline constexpr std::string_view kUnknownVariable = "UNKNOWN_VARIABLE";
inline constexpr std::string_view kUnknownConnector = "UNKNOWN_CONNECTOR";
inline constexpr std::string_view kUnknownSynapseType = "UNKNOWN_SYNAPSE_TYPE";
inline constexpr std::string_view kUnknownReceptorType = "UNKNOWN_RECEPTOR_TYPE";
inline constexpr std::string_view kUnknownDistribution = "UNKNOWN_DISTRIBUTION";
inline constexpr std::string_view kUnknownCurrentSource = "UNKNOWN_CURRENT_SOURCE";
inline constexpr std::string_view kUnknownPopulation = "UNKNOWN_POPULATION";
inline constexpr std::string_view kUnknownProjection = "UNKNOWN_PROJECTION";
inline constexpr std::string_view kUnknownSession = "UNKNOWN_SESSION";
inline constexpr std::string_view kWrongLength = "WRONG_LENGTH";
inline constexpr std::string_view kOutOfRange = "OUT_OF_RANGE";
inline constexpr std::string_view kIndexOutOfRange = "INDEX_OUT_OF_RANGE";
inline constexpr std::string_view kNotFinite = "NOT_FINITE";
inline constexpr std::string_view kNotSorted = "NOT_SORTED";
inline constexpr std::string_view kWrongType = "WRONG_TYPE";
inline constexpr std::string_view kMissing = "MISSING";
inline constexpr std::string_view kBelowTimeStep = "BELOW_TIME_STEP";
inline constexpr std::string_view kAboveMaxDelay = "ABOVE_MAX_DELAY";
inline constexpr std::string_view kNotOnTimeGrid = "NOT_ON_TIME_GRID";
inline constexpr std::string_view kNotRecordable = "NOT_RECORDABLE";
inline constexpr std::string_view kNotRecorded = "NOT_RECORDED";
inline constexpr std::string_view kNotInjectable = "NOT_INJECTABLE";
inline constexpr std::string_view kLimitExceeded = "LIMIT_EXCEEDED";
inline constexpr std::string_view kConflict = "CONFLICT";
inline constexpr std::string_view kNotImplemented = "NOT_IMPLEMENTED";
inline constexpr std::string_view kCancelled = "CANCELLED";
inline constexpr std::string_view kInvalidExpression = "INVALID_EXPRESSION";
}  // namespace reason

// Payload keys under which the field path and the reason code are stored.
inline constexpr std::string_view kFieldPayload = "spikeserve.dev/field";
inline constexpr std::string_view kReasonPayload = "spikeserve.dev/reason";

// Builds a status of `code` with `message` and the two payloads attached.
absl::Status MakeError(absl::StatusCode code, std::string_view field, std::string_view reason_code,
                       std::string_view message);

absl::Status InvalidArgument(std::string_view field, std::string_view reason_code,
                             std::string_view message);
absl::Status NotFound(std::string_view field, std::string_view reason_code,
                      std::string_view message);
absl::Status FailedPrecondition(std::string_view field, std::string_view reason_code,
                                std::string_view message);
absl::Status ResourceExhausted(std::string_view field, std::string_view reason_code,
                               std::string_view message);
absl::Status Unimplemented(std::string_view field, std::string_view message);

// Returns a copy of `status` whose field path is `prefix` + "." + the old field
// (or just `prefix` if it had none). Lets an outer layer say *where* in a
// request an inner check failed ("projections[0].synapse.weight").
absl::Status PrefixField(const absl::Status& status, std::string_view prefix);

// Reads the payloads back; empty when absent.
std::string ErrorField(const absl::Status& status);
std::string ErrorReason(const absl::Status& status);

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_ERRORS_H_
