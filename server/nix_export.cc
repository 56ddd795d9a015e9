#include "server/nix_export.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "server/proto_convert.h"
#include "spikeserve/v1/data.pb.h"

namespace spikeserve::server {
namespace {

// Spikes and signal rows are read this many bytes at a time.
constexpr uint64_t kReadBytes = uint64_t{4} << 20;
constexpr uint64_t kSpikesPerRead = kReadBytes / 12;

std::vector<int64_t> Signed(const std::vector<uint64_t>& values) {
  return std::vector<int64_t>(values.begin(), values.end());
}

// One segment of the block, as GetData's chunks would describe it.
class SegmentCollector : public SelectionVisitor {
 public:
  SegmentCollector(const engine::Segment& segment, bool float32, NixSegment* out)
      : segment_(segment), float32_(float32), out_(out) {}

  bool Spikes(const CellSetPart& part, const engine::SpikeData& spikes) override {
    SelectedTrains selected = TrainsOf(part, spikes);
    NixSpikeTrainSource source;
    for (uint64_t id : selected.source_ids) {
      NixSpikeTrain train;
      train.t_start_ms = segment_.t_start_ms;
      train.t_stop_ms = segment_.t_stop_ms;
      // As PyNN's multiplexed spike trains (SpikeTrainList) annotate them.
      train.annotations["source_population"] = part.population.label;
      train.annotations["channel_id"] = static_cast<int64_t>(id);
      source.trains.push_back(std::move(train));
    }
    auto train_of = std::make_shared<const std::vector<int64_t>>(std::move(selected.train_of));
    source.read = [&spikes, train_of](const NixSpikePiece& piece) {
      return ForEachTrainSpike(spikes, 0, spikes.count(), kSpikesPerRead, *train_of,
                               [&](const uint32_t* trains, const double* times, uint64_t n) {
                                 piece(trains, times, n);
                                 return absl::OkStatus();
                               });
    };
    source.counts.assign(source.trains.size(), 0);
    status_ = source.read([&](const uint32_t* train, const double*, uint64_t n) {
      for (uint64_t k = 0; k < n; ++k) ++source.counts[train[k]];
    });
    if (!status_.ok()) return false;
    out_->spike_sources.push_back(std::move(source));
    return true;
  }

  bool Signal(const CellSetPart& part, const engine::SignalData& signal) override {
    Add(signal, ColumnsOf(part, signal), part.population.label);
    return true;
  }

  bool CurrentSource(const engine::CurrentSourceRecording& recording) override {
    Add(recording.current, SelectedColumns{{0}, {recording.source}, {0}}, "");
    return true;
  }

  const absl::Status& status() const { return status_; }

 private:
  void Add(const engine::SignalData& data, SelectedColumns selected,
           const std::string& source_population) {
    NixSignal signal;
    signal.name = data.variable;
    signal.units = data.units;
    signal.sampling_period_ms = data.sampling_period_ms;
    signal.t_start_ms = data.t_start_ms;
    signal.num_channels = static_cast<uint32_t>(selected.columns.size());
    signal.num_samples = selected.columns.empty() ? 0 : data.num_samples();
    signal.float32 = float32_;
    signal.source_ids = Signed(selected.source_ids);
    signal.channel_index = Signed(selected.channel_index);
    signal.source_population = source_population;
    auto columns = std::make_shared<const std::vector<size_t>>(std::move(selected.columns));
    signal.read_rows = [&data, columns](uint64_t begin, uint64_t end, double* out) {
      const size_t width = data.channels.size();
      const uint64_t per_read = std::max<uint64_t>(1, kReadBytes / (width * sizeof(double)));
      std::vector<double> scratch;
      for (uint64_t row = begin; row < end; row += per_read) {
        const uint64_t n = std::min(per_read, end - row);
        absl::StatusOr<const double*> rows = data.Rows(row, row + n, &scratch);
        if (!rows.ok()) return rows.status();
        for (uint64_t k = 0; k < n; ++k)
          for (size_t column : *columns) *out++ = (*rows)[k * width + column];
      }
      return absl::OkStatus();
    };
    out_->signals.push_back(std::move(signal));
  }

  const engine::Segment& segment_;
  const bool float32_;
  NixSegment* out_;
  absl::Status status_;
};

}  // namespace

NixValue ToNixValue(const v1::AnnotationValue& value) {
  switch (value.value_case()) {
    case v1::AnnotationValue::kDoubleValue:
      return value.double_value();
    case v1::AnnotationValue::kIntValue:
      return static_cast<int64_t>(value.int_value());
    case v1::AnnotationValue::kBoolValue:
      return value.bool_value();
    case v1::AnnotationValue::kStringValue:
    case v1::AnnotationValue::VALUE_NOT_SET:
      break;
  }
  return value.string_value();
}

absl::StatusOr<NixBlock> NixBlockOf(const engine::Simulation& simulation,
                                    const DataRequest& request,
                                    const std::map<std::string, NixValue>& annotations,
                                    const std::string& description) {
  absl::StatusOr<Selection> selection = Select(simulation, request);
  if (!selection.ok()) return selection.status();
  NixBlock block;
  block.description = description;
  block.name = request.block_name;
  // The annotations PyNN's Recorder.metadata gives a Block.
  if (!selection->parts.empty()) {
    const engine::PopulationInfo& first = selection->parts.front().population;
    if (block.name.empty()) block.name = first.label;
    block.annotations = {{"size", static_cast<int64_t>(first.size)},
                         {"first_index", int64_t{0}},
                         {"last_index", static_cast<int64_t>(first.size)},
                         {"first_id", static_cast<int64_t>(first.first_id)},
                         {"last_id", static_cast<int64_t>(first.first_id + first.size - 1)},
                         {"label", first.label}};
  }
  block.annotations["simulator"] = std::string("spikeserve");
  block.annotations["dt"] = simulation.config().timestep_ms;
  block.annotations["mpi_processes"] = int64_t{1};
  for (const auto& [key, value] : annotations) block.annotations[key] = value;

  for (uint32_t index : selection->segments) {
    const engine::Segment& segment = simulation.segments()[index];
    NixSegment& out = block.segments.emplace_back();
    out.name = absl::StrFormat("segment%03d", segment.index);
    out.description = description;
    v1::SegmentStart start;
    DecodeAnnotations(segment.annotations, start.mutable_annotations());
    for (const auto& [key, value] : start.annotations()) out.annotations[key] = ToNixValue(value);
    SegmentCollector collector(segment, request.dtype == v1::FLOAT32, &out);
    if (!VisitSegment(request, selection->parts, segment, collector)) return collector.status();
  }
  return block;
}

}  // namespace spikeserve::server
