#include "server/proto_convert.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/errors.h"
#include "server/wire_format.h"

namespace spikeserve::server {
namespace {

std::string Field(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? std::string(name) : absl::StrCat(prefix, ".", name);
}

absl::StatusOr<std::vector<double>> UploadedArray(uint64_t upload_id, const std::string& field,
                                                  const TakeUpload& take_upload) {
  absl::StatusOr<std::string> bytes = take_upload(upload_id);
  if (!bytes.ok()) return engine::PrefixField(bytes.status(), field);
  return DecodeFloat64(*bytes, field);
}

std::vector<double> ToVector(const v1::Sequence& sequence) {
  return {sequence.values().begin(), sequence.values().end()};
}

}  // namespace

absl::StatusOr<engine::ParameterValue> FromProto(const v1::ParameterValue& value,
                                                 const std::string& field,
                                                 const TakeUpload& take_upload) {
  switch (value.value_case()) {
    case v1::ParameterValue::kScalar:
      return engine::ParameterValue(value.scalar());
    case v1::ParameterValue::kArray: {
      absl::StatusOr<std::vector<double>> array =
          DecodeFloat64(value.array().f64le(), Field(field, "array.f64le"));
      if (!array.ok()) return array.status();
      return engine::ParameterValue(*std::move(array));
    }
    case v1::ParameterValue::kUploadId: {
      absl::StatusOr<std::vector<double>> array =
          UploadedArray(value.upload_id(), Field(field, "upload_id"), take_upload);
      if (!array.ok()) return array.status();
      return engine::ParameterValue(*std::move(array));
    }
    case v1::ParameterValue::kRandom: {
      engine::RandomSpec spec;
      spec.distribution = value.random().name();
      spec.parameters.insert(value.random().parameters().begin(),
                             value.random().parameters().end());
      spec.seed = value.random().seed();
      return engine::ParameterValue(std::move(spec));
    }
    case v1::ParameterValue::kSequence:
      return engine::ParameterValue(engine::Sequence{ToVector(value.sequence())});
    case v1::ParameterValue::kSequenceList: {
      engine::SequenceList list;
      list.values.reserve(value.sequence_list().sequences_size());
      for (const v1::Sequence& sequence : value.sequence_list().sequences()) {
        list.values.push_back(ToVector(sequence));
      }
      return engine::ParameterValue(std::move(list));
    }
    case v1::ParameterValue::kDistanceExpression:
      return engine::ParameterValue(engine::DistanceExpression{value.distance_expression()});
    case v1::ParameterValue::VALUE_NOT_SET:
      break;
  }
  return engine::InvalidArgument(
      field, engine::reason::kMissing,
      absl::StrCat(field,
                   " has no value: set one of scalar, array, random, sequence, "
                   "sequence_list, distance_expression, upload_id"));
}

absl::StatusOr<engine::ParameterMap> FromProto(
    const google::protobuf::Map<std::string, v1::ParameterValue>& values, const std::string& field,
    const TakeUpload& take_upload) {
  engine::ParameterMap result;
  for (const auto& [name, value] : values) {
    absl::StatusOr<engine::ParameterValue> converted =
        FromProto(value, Field(field, name), take_upload);
    if (!converted.ok()) return converted.status();
    result.emplace(name, *std::move(converted));
  }
  return result;
}

absl::StatusOr<engine::Selector> FromProto(const v1::Selector& selector, const std::string& field,
                                           const engine::Simulation& simulation) {
  absl::StatusOr<engine::PopulationInfo> population =
      simulation.DescribePopulation(selector.population_id());
  if (!population.ok()) {
    return engine::PrefixField(population.status(), Field(field, "population_id"));
  }
  const int64_t size = static_cast<int64_t>(population->size);
  engine::Selector result;
  result.population = selector.population_id();
  switch (selector.selection_case()) {
    case v1::Selector::SELECTION_NOT_SET:
    case v1::Selector::kAll:
      return result;
    case v1::Selector::kIndices: {
      result.all = false;
      const auto& indices = selector.indices().indices();
      for (int k = 0; k < indices.size(); ++k) {
        if (indices[k] >= size) {
          return engine::InvalidArgument(
              absl::StrCat(Field(field, "indices"), "[", k, "]"), engine::reason::kIndexOutOfRange,
              absl::StrCat("index ", indices[k], " is out of range for population ",
                           selector.population_id(), " ('", population->label, "') of size ", size,
                           "; allowed 0..", size - 1));
        }
      }
      // PyNN normalises views to sorted, unique indices; so do we.
      result.indices.assign(indices.begin(), indices.end());
      std::sort(result.indices.begin(), result.indices.end());
      result.indices.erase(std::unique(result.indices.begin(), result.indices.end()),
                           result.indices.end());
      return result;
    }
    case v1::Selector::kSlice: {
      const v1::Slice& slice = selector.slice();
      if (slice.step() < 0) {
        return engine::InvalidArgument(Field(field, "slice.step"), engine::reason::kOutOfRange,
                                       "slice.step must be positive (0 means 1)");
      }
      const int64_t step = slice.step() == 0 ? 1 : slice.step();
      // Python's rules: negative bounds count from the end, then clamp.
      auto clamp = [size](int64_t bound) {
        if (bound < 0) bound += size;
        return std::clamp<int64_t>(bound, 0, size);
      };
      result.all = false;
      for (int64_t i = clamp(slice.start()); i < clamp(slice.stop()); i += step) {
        result.indices.push_back(static_cast<uint32_t>(i));
      }
      return result;
    }
    case v1::Selector::kMask: {
      const std::string& mask = selector.mask();
      if (static_cast<int64_t>(mask.size()) != size) {
        return engine::InvalidArgument(
            Field(field, "mask"), engine::reason::kWrongLength,
            absl::StrCat("mask has ", mask.size(), " entries; population ",
                         selector.population_id(), " has ", size, " cells"));
      }
      result.all = false;
      for (int64_t i = 0; i < size; ++i) {
        if (mask[i] != 0) result.indices.push_back(static_cast<uint32_t>(i));
      }
      return result;
    }
  }
  return result;
}

absl::StatusOr<engine::CellSet> FromProto(const v1::CellSet& cells, const std::string& field,
                                          const engine::Simulation& simulation) {
  if (cells.parts_size() == 0) {
    return engine::InvalidArgument(
        field, engine::reason::kMissing,
        absl::StrCat(field, " selects no cells: give at least one part"));
  }
  engine::CellSet result;
  for (int k = 0; k < cells.parts_size(); ++k) {
    absl::StatusOr<engine::Selector> part =
        FromProto(cells.parts(k), absl::StrCat(Field(field, "parts"), "[", k, "]"), simulation);
    if (!part.ok()) return part.status();
    result.parts.push_back(*std::move(part));
  }
  return result;
}

absl::StatusOr<engine::ConnectorSpec> FromProto(const v1::Connector& connector,
                                                const std::string& field,
                                                const TakeUpload& take_upload) {
  engine::ConnectorSpec spec;
  spec.name = connector.name();
  spec.params.insert(connector.parameters().begin(), connector.parameters().end());
  spec.seed = connector.seed();
  spec.distance_expression = connector.distance_expression();
  spec.reference_projection = connector.reference_projection_id();
  if (connector.matrix_upload_id() != 0) {
    absl::StatusOr<std::string> bytes = take_upload(connector.matrix_upload_id());
    if (!bytes.ok()) return engine::PrefixField(bytes.status(), Field(field, "matrix_upload_id"));
    spec.matrix = *std::move(bytes);
  } else {
    spec.matrix = connector.matrix_u8();
  }
  spec.column_names.assign(connector.column_names().begin(), connector.column_names().end());
  const bool has_rows = !connector.rows_f64le().empty() || connector.rows_upload_id() != 0;
  if (!has_rows) return spec;
  absl::StatusOr<std::vector<double>> flat =
      connector.rows_upload_id() != 0
          ? UploadedArray(connector.rows_upload_id(), Field(field, "rows_upload_id"), take_upload)
          : DecodeFloat64(connector.rows_f64le(), Field(field, "rows_f64le"));
  if (!flat.ok()) return flat.status();
  const size_t width = 2 + spec.column_names.size();
  if (flat->size() % width != 0) {
    return engine::InvalidArgument(
        Field(field, "rows_f64le"), engine::reason::kWrongLength,
        absl::StrCat("rows hold ", flat->size(), " values, not a multiple of the row width ", width,
                     " (pre, post + ", spec.column_names.size(), " column_names)"));
  }
  spec.rows.reserve(flat->size() / width);
  for (size_t r = 0; r < flat->size(); r += width) {
    spec.rows.emplace_back(flat->begin() + r, flat->begin() + r + width);
  }
  return spec;
}

engine::SpaceSpec FromProto(const v1::Space& space) {
  engine::SpaceSpec spec;
  spec.axes = space.axes();
  spec.scale_factor = space.scale_factor() == 0 ? 1.0 : space.scale_factor();
  spec.offset.assign(space.offset().begin(), space.offset().end());
  spec.periodic_min.assign(space.periodic_min().begin(), space.periodic_min().end());
  spec.periodic_max.assign(space.periodic_max().begin(), space.periodic_max().end());
  return spec;
}

engine::StructureSpec FromProto(const v1::Structure& structure) {
  engine::StructureSpec spec;
  spec.name = structure.name();
  spec.params.insert(structure.parameters().begin(), structure.parameters().end());
  spec.boundary = structure.boundary();
  spec.seed = structure.seed();
  return spec;
}

absl::StatusOr<std::vector<std::array<double, 3>>> DecodePositions(const std::string& bytes,
                                                                   uint64_t upload_id,
                                                                   const std::string& field,
                                                                   const TakeUpload& take_upload) {
  absl::StatusOr<std::vector<double>> flat =
      upload_id != 0 ? UploadedArray(upload_id, field, take_upload) : DecodeFloat64(bytes, field);
  if (!flat.ok()) return flat.status();
  if (flat->size() % 3 != 0)
    return engine::InvalidArgument(
        field, engine::reason::kWrongLength,
        absl::StrCat(flat->size(), " values are not whole (x, y, z) triples"));
  std::vector<std::array<double, 3>> positions(flat->size() / 3);
  for (size_t k = 0; k < positions.size(); ++k)
    positions[k] = {(*flat)[3 * k], (*flat)[3 * k + 1], (*flat)[3 * k + 2]};
  return positions;
}

absl::StatusOr<engine::SimulationConfig> FromProto(const v1::CreateSessionRequest& request,
                                                   const engine::Limits& server_limits,
                                                   int default_threads) {
  engine::SimulationConfig config;
  config.timestep_ms = request.timestep_ms() == 0 ? 0.1 : request.timestep_ms();
  config.min_delay_ms = request.min_delay_ms();
  config.max_delay_ms = request.max_delay_ms();
  config.seed = request.seed();
  config.limits = server_limits;
  // A request above the limit is left for the engine to refuse with the
  // allowed range.
  config.threads = request.threads() == 0
                       ? default_threads
                       : static_cast<int>(std::min<uint32_t>(request.threads(), INT32_MAX));
  const v1::SessionLimits& asked = request.limits();
  auto lower = [](auto asked_value, auto& limit) {
    if (asked_value > 0 && asked_value < limit) limit = asked_value;
  };
  lower(asked.max_neurons(), config.limits.max_neurons);
  lower(asked.max_synapses(), config.limits.max_synapses);
  lower(asked.max_biological_time_ms(), config.limits.max_biological_time_ms);
  lower(asked.max_recorded_bytes(), config.limits.max_recorded_bytes);
  return config;
}

v1::PopulationInfo ToProto(const engine::PopulationInfo& info) {
  v1::PopulationInfo proto;
  proto.set_population_id(info.id);
  proto.set_first_id(info.first_id);
  proto.set_size(info.size);
  proto.set_label(info.label);
  proto.set_cell_type(info.cell_type);
  return proto;
}

void ToProto(const engine::ParameterMap& values,
             google::protobuf::Map<std::string, v1::ParameterValue>* out) {
  for (const auto& [name, value] : values) {
    v1::ParameterValue& proto = (*out)[name];
    if (const double* number = std::get_if<double>(&value)) {
      proto.set_scalar(*number);
    } else if (const auto* array = std::get_if<std::vector<double>>(&value)) {
      AppendLittleEndian<double>(array->data(), array->size(),
                                 proto.mutable_array()->mutable_f64le());
    } else if (const auto* sequence = std::get_if<engine::Sequence>(&value)) {
      proto.mutable_sequence()->mutable_values()->Add(sequence->values.begin(),
                                                      sequence->values.end());
    } else if (const auto* list = std::get_if<engine::SequenceList>(&value)) {
      for (const std::vector<double>& values_of_one : list->values) {
        proto.mutable_sequence_list()->add_sequences()->mutable_values()->Add(values_of_one.begin(),
                                                                              values_of_one.end());
      }
    }
  }
}

v1::ProjectionInfo ToProto(const engine::ProjectionInfo& info) {
  v1::ProjectionInfo proto;
  proto.set_projection_id(info.id);
  proto.set_num_connections(info.num_connections);
  proto.set_label(info.label);
  return proto;
}

v1::SessionLimits ToProto(const engine::Limits& limits) {
  v1::SessionLimits proto;
  proto.set_max_neurons(limits.max_neurons);
  proto.set_max_synapses(limits.max_synapses);
  proto.set_max_biological_time_ms(limits.max_biological_time_ms);
  proto.set_max_recorded_bytes(limits.max_recorded_bytes);
  return proto;
}

namespace {

void FillParameters(const std::vector<engine::ParameterInfo>& parameters,
                    google::protobuf::RepeatedPtrField<v1::ParameterInfo>* out) {
  for (const engine::ParameterInfo& p : parameters) {
    v1::ParameterInfo* info = out->Add();
    info->set_name(p.name);
    info->set_default_value(p.default_value);
    info->set_units(p.units);
    info->set_description(p.description);
    info->mutable_default_sequence()->Add(p.default_sequence.begin(), p.default_sequence.end());
    switch (p.kind) {
      case engine::ValueKind::kNumber:
        info->set_kind(v1::ParameterInfo::NUMBER);
        break;
      case engine::ValueKind::kInteger:
        info->set_kind(v1::ParameterInfo::INTEGER);
        break;
      case engine::ValueKind::kSequence:
        info->set_kind(v1::ParameterInfo::SEQUENCE);
        break;
    }
  }
}

template <typename Info>
void FillComponents(const std::vector<Info>& components,
                    google::protobuf::RepeatedPtrField<v1::ComponentInfo>* out) {
  for (const Info& component : components) {
    v1::ComponentInfo* info = out->Add();
    info->set_name(component.name);
    info->set_description(component.description);
    FillParameters(component.parameters, info->mutable_parameters());
  }
}

}  // namespace

v1::Capabilities CapabilitiesProto() {
  v1::Capabilities capabilities;
  capabilities.set_api_version("spikeserve.v1");
  for (const engine::CellTypeInfo& cell : engine::CellTypes()) {
    v1::CellTypeInfo* info = capabilities.add_cell_types();
    info->set_name(cell.name);
    info->set_description(cell.description);
    FillParameters(cell.parameters, info->mutable_parameters());
    for (const engine::StateVariableInfo& s : cell.state_variables) {
      v1::StateVariableInfo* state = info->add_state_variables();
      state->set_name(s.name);
      state->set_initial_value(s.initial_value);
      state->set_units(s.units);
    }
    info->mutable_recordables()->Add(cell.recordables.begin(), cell.recordables.end());
    info->mutable_receptor_types()->Add(cell.receptor_types.begin(), cell.receptor_types.end());
    info->set_conductance_based(cell.conductance_based);
    info->set_injectable(cell.injectable);
    info->set_spike_source(cell.spike_source);
  }
  FillComponents(engine::SynapseTypes(), capabilities.mutable_synapse_types());
  FillComponents(engine::Connectors(), capabilities.mutable_connectors());
  FillComponents(engine::CurrentSources(), capabilities.mutable_current_sources());
  FillComponents(engine::TimingDependences(), capabilities.mutable_timing_dependences());
  FillComponents(engine::WeightDependences(), capabilities.mutable_weight_dependences());
  for (const engine::DistributionInfo& d : engine::Distributions()) {
    v1::DistributionInfo* info = capabilities.add_distributions();
    info->set_name(d.name);
    info->mutable_parameters()->Add(d.parameters.begin(), d.parameters.end());
  }
  return capabilities;
}

std::map<std::string, std::string> EncodeAnnotations(
    const google::protobuf::Map<std::string, v1::AnnotationValue>& annotations) {
  std::map<std::string, std::string> encoded;
  for (const auto& [key, value] : annotations) encoded[key] = value.SerializeAsString();
  return encoded;
}

void DecodeAnnotations(const std::map<std::string, std::string>& encoded,
                       google::protobuf::Map<std::string, v1::AnnotationValue>* annotations) {
  for (const auto& [key, bytes] : encoded) {
    v1::AnnotationValue value;
    // Only the server writes these strings, so they always parse.
    value.ParseFromString(bytes);
    (*annotations)[key] = std::move(value);
  }
}

}  // namespace spikeserve::server
