// Writes a small NIX file shaped like PyNN's get_data() output to the path in
// argv[1], so that tests/python/nix_layout_test.py can check the layout from
// Python. The test recomputes every value from the formulas below.
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

#include "server/nix_writer.h"

namespace {

using spikeserve::server::NixBlock;
using spikeserve::server::NixSegment;
using spikeserve::server::NixSignal;
using spikeserve::server::NixSpikeTrain;
using spikeserve::server::WriteNixFile;

constexpr int kFirstId = 101;

// Sample k of channel c in segment s is 1000 s + 10 c + 0.25 k: exact in
// float32, and distinct per channel so that any reordering shows.
NixSignal Signal(const std::string& name, const std::string& units, uint32_t channels, bool float32,
                 int segment) {
  NixSignal signal;
  signal.name = name;
  signal.units = units;
  signal.sampling_period_ms = 0.1;
  signal.t_start_ms = 0.0;
  signal.num_samples = 5;
  signal.num_channels = channels;
  signal.float32 = float32;
  for (uint64_t k = 0; k < signal.num_samples; ++k) {
    for (uint32_t c = 0; c < channels; ++c) {
      signal.values.push_back(1000.0 * segment + 10.0 * c + 0.25 * k);
    }
  }
  for (uint32_t c = 0; c < channels; ++c) {
    signal.source_ids.push_back(kFirstId + c);
    signal.channel_index.push_back(c);
  }
  signal.source_population = "pop";
  return signal;
}

// Train i holds i spikes at 1 + i + 0.5 j ms, so train 0 is empty.
NixSpikeTrain Train(int index) {
  NixSpikeTrain train;
  for (int j = 0; j < index; ++j) train.times_ms.push_back(1.0 + index + 0.5 * j);
  train.t_start_ms = 0.0;
  train.t_stop_ms = 10.0;
  train.annotations["source_population"] = std::string("pop");
  train.annotations["channel_id"] = int64_t{kFirstId + index};
  return train;
}

NixBlock ExampleBlock() {
  NixBlock block;
  block.name = "pop";
  block.description = "Population pop of 12 IF_cond_exp neurons";
  block.annotations = {{"size", int64_t{12}},
                       {"first_id", int64_t{kFirstId}},
                       {"label", std::string("pop")},
                       {"simulator", std::string("spikeserve")},
                       {"dt", 0.1},
                       {"mpi_processes", int64_t{1}},
                       {"excitatory", true}};
  for (int s = 0; s < 2; ++s) {
    NixSegment segment;
    segment.name = s == 0 ? "segment000" : "segment001";
    segment.description = block.description;
    if (s == 0) segment.annotations = {{"trial", int64_t{1}}, {"stimulus", std::string("flash")}};
    segment.signals.push_back(Signal("v", "mV", s == 0 ? 3 : 12, s == 1, s));
    segment.signals.push_back(Signal("gsyn_exc", "uS", 12, s == 0, s));
    for (int i = 0; i < 3; ++i) segment.spike_trains.push_back(Train(i));
    block.segments.push_back(std::move(segment));
  }
  return block;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT.nix\n", argv[0]);
    return 2;
  }
  const absl::Status status = WriteNixFile(ExampleBlock(), argv[1]);
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
