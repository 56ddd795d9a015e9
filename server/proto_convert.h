// Translation between spikeserve.v1 messages and engine types. Checks only
// what the engine cannot see (wire encodings, oneofs left empty, selector
// forms); everything about the model is validated by the engine.
#ifndef SPIKESERVE_SERVER_PROTO_CONVERT_H_
#define SPIKESERVE_SERVER_PROTO_CONVERT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "engine/catalogue.h"
#include "engine/simulation.h"
#include "google/protobuf/map.h"
#include "spikeserve/v1/capabilities.pb.h"
#include "spikeserve/v1/network.pb.h"
#include "spikeserve/v1/selectors.pb.h"
#include "spikeserve/v1/simulator.pb.h"
#include "spikeserve/v1/values.pb.h"

namespace spikeserve::server {

// Hands over the bytes of an earlier Upload (and forgets them).
using TakeUpload = std::function<absl::StatusOr<std::string>(uint64_t upload_id)>;

absl::StatusOr<engine::ParameterValue> FromProto(const v1::ParameterValue& value,
                                                 const std::string& field,
                                                 const TakeUpload& take_upload);
absl::StatusOr<engine::ParameterMap> FromProto(
    const google::protobuf::Map<std::string, v1::ParameterValue>& values, const std::string& field,
    const TakeUpload& take_upload);

// Resolves slices and masks against the population's size.
absl::StatusOr<engine::Selector> FromProto(const v1::Selector& selector, const std::string& field,
                                           const engine::Simulation& simulation);
absl::StatusOr<engine::CellSet> FromProto(const v1::CellSet& cells, const std::string& field,
                                          const engine::Simulation& simulation);

absl::StatusOr<engine::ConnectorSpec> FromProto(const v1::Connector& connector,
                                                const std::string& field,
                                                const TakeUpload& take_upload);

// scale_factor 0 means 1; the engine checks the rest.
engine::SpaceSpec FromProto(const v1::Space& space);
engine::StructureSpec FromProto(const v1::Structure& structure);

// x, y, z per cell from inline bytes or an upload (`field` names the bytes).
absl::StatusOr<std::vector<std::array<double, 3>>> DecodePositions(const std::string& bytes,
                                                                   uint64_t upload_id,
                                                                   const std::string& field,
                                                                   const TakeUpload& take_upload);

// Fills the default time step (0.1 ms) and `default_threads` for zero fields
// and applies the session's requested limits, never above `server_limits`.
absl::StatusOr<engine::SimulationConfig> FromProto(const v1::CreateSessionRequest& request,
                                                   const engine::Limits& server_limits,
                                                   int default_threads);

v1::PopulationInfo ToProto(const engine::PopulationInfo& info);
// Values the engine reports (numbers, arrays, sequences) as ParameterValues.
void ToProto(const engine::ParameterMap& values,
             google::protobuf::Map<std::string, v1::ParameterValue>* out);
v1::ProjectionInfo ToProto(const engine::ProjectionInfo& info);
v1::SessionLimits ToProto(const engine::Limits& limits);
v1::Capabilities CapabilitiesProto();

// Annotations travel as AnnotationValue; the engine keeps them as opaque
// strings, so the server stores each value serialised.
std::map<std::string, std::string> EncodeAnnotations(
    const google::protobuf::Map<std::string, v1::AnnotationValue>& annotations);
void DecodeAnnotations(const std::map<std::string, std::string>& encoded,
                       google::protobuf::Map<std::string, v1::AnnotationValue>* annotations);

}  // namespace spikeserve::server

#endif  // SPIKESERVE_SERVER_PROTO_CONVERT_H_
