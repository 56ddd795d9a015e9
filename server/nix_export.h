// The NIX export of recorded data: what a GetData request selects (the same
// selection and order, data_stream.h's VisitSegment) as a NixBlock whose
// signals and spike trains read the session's recordings, spilled or not, a
// bounded piece at a time while the writer writes them, so that exporting a
// recording larger than memory keeps the server's memory bounded.
#ifndef SPIKESERVE_SERVER_NIX_EXPORT_H_
#define SPIKESERVE_SERVER_NIX_EXPORT_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "engine/simulation.h"
#include "server/data_stream.h"
#include "server/nix_writer.h"
#include "spikeserve/v1/values.pb.h"

namespace spikeserve::server {

// `annotations` and `description` are the client's additions (PyNN's
// Population.annotate() and describe()); they override the block's own. The
// block reads `simulation`'s recordings: write it before they change (while
// the session is held). Errors are the request's (as StreamData's) and the
// spill store's.
absl::StatusOr<NixBlock> NixBlockOf(const engine::Simulation& simulation,
                                    const DataRequest& request,
                                    const std::map<std::string, NixValue>& annotations,
                                    const std::string& description);

NixValue ToNixValue(const v1::AnnotationValue& value);

}  // namespace spikeserve::server

#endif  // SPIKESERVE_SERVER_NIX_EXPORT_H_
