// The NIX export of recorded data: GetData's chunk stream, gathered into a
// NixBlock. Going through the stream keeps one definition of what a request
// selects (cells, variables, segments) for both the stream and the file.
#ifndef SPIKESERVE_SERVER_NIX_EXPORT_H_
#define SPIKESERVE_SERVER_NIX_EXPORT_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "server/nix_writer.h"
#include "spikeserve/v1/data.pb.h"
#include "spikeserve/v1/values.pb.h"

namespace spikeserve::server {

class NixBlockBuilder {
 public:
  // `annotations` and `description` are the client's additions (PyNN's
  // Population.annotate() and describe()); they override what the stream says.
  NixBlockBuilder(std::map<std::string, NixValue> annotations, std::string description);

  // A ChunkWriter (data_stream.h): takes the chunks in order.
  bool Add(const v1::DataChunk& chunk);
  NixBlock Finish();

 private:
  struct PendingTrains {
    v1::SpikeTrainsHeader header;
    std::vector<int64_t> source_ids;  // per recorded cell (ChannelIds)
    std::vector<int64_t> channel_index;
    std::vector<std::vector<double>> times;  // per recorded cell
  };
  void FlushTrains();

  NixBlock block_;
  std::map<std::string, NixValue> extra_annotations_;
  std::map<uint32_t, size_t> signals_;  // stream id -> index in the open segment
  std::map<uint32_t, PendingTrains> trains_;
};

NixValue ToNixValue(const v1::AnnotationValue& value);

}  // namespace spikeserve::server

#endif  // SPIKESERVE_SERVER_NIX_EXPORT_H_
