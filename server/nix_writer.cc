#include "server/nix_writer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "hdf5.h"
#include "server/hdf5_handle.h"

namespace spikeserve::server {
namespace {

// nixpy opens a file for writing only when the version matches exactly, and
// neo.io.NixIO opens read-write by default, so anything but nixpy 1.5's
// (1, 2, 1) would make neo refuse the file.
constexpr int32_t kNixFormatVersion[3] = {1, 2, 1};
// neo reads this to decide which of its own layouts it is looking at.
constexpr char kNeoVersion[] = "0.11.1";
// An AnalogSignal is one DataArray per channel, so [sample][channel] rows are
// transposed into columns. A pass handles at most this many columns, so that
// the rows read and the columns written both stay in cache, in a scratch
// buffer of bounded size; rows are taken this many bytes at a time, and
// spike trains gathered this many bytes of times at a time.
constexpr size_t kMaxColumnsPerPass = 256;
constexpr size_t kMaxScratchBytes = size_t{8} << 20;
// A signal is written in pieces of rows of at most this size, each piece one
// hyperslab write per channel: fewer, larger pieces make fewer writes (8000
// channels of 11001 samples: 11 pieces, 88,000 writes, as fast as one piece).
constexpr size_t kMaxPieceBytes = size_t{64} << 20;
constexpr size_t kMaxOpenDatasets = 4096;
// Only the one-element string properties are converted on writing (numbers
// are written in their file type), so a few elements' worth is plenty.
constexpr size_t kConversionBufferBytes = 4096;

// Names must be usable as HDF5 link names and not shadow a property the
// writer itself creates for neo.
absl::Status CheckAnnotations(const std::map<std::string, NixValue>& annotations,
                              const std::string& field,
                              std::initializer_list<const char*> reserved) {
  for (const auto& [key, value] : annotations) {
    if (key.empty() || key == "." || key.find('/') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, " has the name '", key,
                       "'; annotation names must be non-empty, not '.', and contain no '/'"));
    }
    for (const char* name : reserved) {
      if (key == name) {
        return absl::InvalidArgumentError(absl::StrCat(
            field, "['", key, "'] collides with the property the writer stores for neo"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckSignal(const NixSignal& signal, const std::string& field) {
  if (signal.num_channels == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".num_channels is 0; neo stores a signal as one array per channel"));
  }
  if (!std::isfinite(signal.sampling_period_ms) || signal.sampling_period_ms <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".sampling_period_ms is ",
                                                   signal.sampling_period_ms,
                                                   "; it must be finite and > 0"));
  }
  if (!std::isfinite(signal.t_start_ms)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".t_start_ms is not finite"));
  }
  if (signal.num_samples > std::numeric_limits<uint64_t>::max() / signal.num_channels ||
      (signal.read_rows == nullptr &&
       signal.values.size() != signal.num_samples * signal.num_channels)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".values holds ", signal.values.size(),
                                                   " values; num_samples x num_channels is ",
                                                   signal.num_samples, " x ", signal.num_channels));
  }
  if (signal.read_rows != nullptr && !signal.values.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " has both values and read_rows; give one of them"));
  }
  for (const auto& [name, values] : {std::pair{"source_ids", &signal.source_ids},
                                     std::pair{"channel_index", &signal.channel_index}}) {
    if (!values->empty() && values->size() != signal.num_channels) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".", name, " holds ", values->size(),
                                                     " values; it must be empty or hold one per "
                                                     "channel (",
                                                     signal.num_channels, ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckSpikeTimes(const NixSpikeTrain& train, const double* times, size_t count,
                             const std::string& field) {
  for (size_t i = 0; i < count; ++i) {
    const double t = times[i];
    // Written as a negation so that NaN fails too.
    if (!(t >= train.t_start_ms && t <= train.t_stop_ms)) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".times_ms[", i, "] = ", t,
                                                     " lies outside [", train.t_start_ms, ", ",
                                                     train.t_stop_ms, "], which neo rejects"));
    }
  }
  return absl::OkStatus();
}

// Everything but the times, which a NixSpikeTrainSource gives only later.
absl::Status CheckSpikeTrainFrame(const NixSpikeTrain& train, const std::string& field) {
  if (!std::isfinite(train.t_start_ms) || !std::isfinite(train.t_stop_ms) ||
      train.t_start_ms > train.t_stop_ms) {
    return absl::InvalidArgumentError(absl::StrCat(field, " spans [", train.t_start_ms, ", ",
                                                   train.t_stop_ms,
                                                   "] ms; it must be finite with t_start <= "
                                                   "t_stop"));
  }
  return CheckAnnotations(train.annotations, field + ".annotations",
                          {"neo_name", "t_start", "t_stop"});
}

absl::Status CheckSpikeTrain(const NixSpikeTrain& train, const std::string& field) {
  absl::Status status = CheckSpikeTrainFrame(train, field);
  if (!status.ok()) return status;
  return CheckSpikeTimes(train, train.times_ms.data(), train.times_ms.size(), field);
}

absl::Status CheckSpikeTrainSource(const NixSpikeTrainSource& source, const std::string& field) {
  if (source.read == nullptr || source.counts.size() != source.trains.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " needs a reader and one count per train; it has ",
                     source.counts.size(), " counts for ", source.trains.size(), " trains"));
  }
  absl::Status status;
  for (size_t i = 0; i < source.trains.size() && status.ok(); ++i) {
    status = CheckSpikeTrainFrame(source.trains[i], absl::StrCat(field, ".trains[", i, "]"));
  }
  return status;
}

absl::Status CheckBlock(const NixBlock& block) {
  absl::Status status = CheckAnnotations(block.annotations, "annotations", {"neo_name"});
  for (size_t s = 0; s < block.segments.size() && status.ok(); ++s) {
    const NixSegment& segment = block.segments[s];
    const std::string field = absl::StrCat("segments[", s, "]");
    status = CheckAnnotations(segment.annotations, field + ".annotations", {"neo_name"});
    for (size_t i = 0; i < segment.signals.size() && status.ok(); ++i) {
      status = CheckSignal(segment.signals[i], absl::StrCat(field, ".signals[", i, "]"));
    }
    for (size_t i = 0; i < segment.spike_trains.size() && status.ok(); ++i) {
      status =
          CheckSpikeTrain(segment.spike_trains[i], absl::StrCat(field, ".spike_trains[", i, "]"));
    }
    for (size_t i = 0; i < segment.spike_sources.size() && status.ok(); ++i) {
      status = CheckSpikeTrainSource(segment.spike_sources[i],
                                     absl::StrCat(field, ".spike_sources[", i, "]"));
    }
  }
  return status;
}

template <typename T>
struct Hdf5Types;
template <>
struct Hdf5Types<float> {
  static hid_t File() { return H5T_IEEE_F32LE; }
  static hid_t Memory() { return H5T_NATIVE_FLOAT; }
};
template <>
struct Hdf5Types<double> {
  static hid_t File() { return H5T_IEEE_F64LE; }
  static hid_t Memory() { return H5T_NATIVE_DOUBLE; }
};

// A NIX entity: a group whose entity_id is how Groups link to it.
struct Entity {
  Handle group;
  std::string id;
};

// A metadata section and its properties/ container.
struct Section {
  Entity entity;
  Handle properties;
};

// Where one segment's objects go: DataArrays and MultiTags live in the Block
// and are hard-linked into the Segment's Group; their sections live under
// the Segment's section.
struct SegmentTargets {
  hid_t block_data_arrays;
  hid_t block_multi_tags;
  hid_t data_arrays;
  hid_t multi_tags;
  hid_t sections;
};

// Writes one file. Every HDF5 call goes through Check(), which keeps the
// first failure; from then on the helpers do nothing, so that the code below
// reads as the layout it produces and the status is looked at once.
class NixFileWriter {
 public:
  explicit NixFileWriter(const std::string& path)
      : path_(path),
        urandom_(std::fopen("/dev/urandom", "rb"), &std::fclose),
        timestamp_(absl::FormatTime("%Y%m%dT%H%M%S", absl::Now(), absl::UTCTimeZone())) {}

  absl::Status Write(const NixBlock& block) {
    if (urandom_ == nullptr) {
      return absl::InternalError(
          absl::StrCat("NIX file '", path_, "': cannot open /dev/urandom for entity ids"));
    }
    Handle file_options(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
    Handle access_options(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    group_options_ = Handle(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
    transfer_options_ = Handle(H5Pcreate(H5P_DATASET_XFER), H5Pclose);
    string_type_ = Handle(H5Tcopy(H5T_C_S1), H5Tclose);
    bool_type_ = Handle(H5Tenum_create(H5T_NATIVE_INT8), H5Tclose);
    scalar_ = Handle(H5Screate(H5S_SCALAR), H5Sclose);
    const unsigned order = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
    const int8_t no = 0;
    const int8_t yes = 1;
    Check(H5Pset_link_creation_order(file_options.get(), order), "H5Pset_link_creation_order");
    // Close() relies on the POSIX driver's file descriptor.
    Check(H5Pset_fapl_sec2(access_options.get()), "H5Pset_fapl_sec2");
    // Every dataset is written in pieces of at least a few kB or whole; the
    // 64 kB sieve buffer HDF5 keeps per open dataset would only cost memory
    // (256 MiB for the datasets a large signal keeps open).
    Check(H5Pset_sieve_buf_size(access_options.get(), 0), "H5Pset_sieve_buf_size");
    Check(H5Pset_link_creation_order(group_options_.get(), order), "H5Pset_link_creation_order");
    // HDF5 callocs a type-conversion buffer of this size for every write that
    // converts, which string properties do; the 1 MiB default made that
    // memset most of the cost of a spike train.
    Check(H5Pset_buffer(transfer_options_.get(), kConversionBufferBytes, nullptr, nullptr),
          "H5Pset_buffer");
    Check(H5Tset_size(string_type_.get(), H5T_VARIABLE), "H5Tset_size");
    Check(H5Tset_cset(string_type_.get(), H5T_CSET_UTF8), "H5Tset_cset");
    // h5py's (and so nixpy's) spelling of a bool.
    Check(H5Tenum_insert(bool_type_.get(), "FALSE", &no), "H5Tenum_insert");
    Check(H5Tenum_insert(bool_type_.get(), "TRUE", &yes), "H5Tenum_insert");
    if (!ok()) return status_;

    Handle file(H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, file_options.get(), access_options.get()),
                H5Fclose);
    if (file.get() < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot create NIX file '", path_, "': ", TakeHdf5Complaint()));
    }
    WriteFile(file.get(), block);
    Close(std::move(file));
    if (!ok()) DiscardFile();
    return status_;
  }

 private:
  bool ok() const { return status_.ok(); }

  // See RedirectFileToMemory: a file whose writes failed (a full disk, say)
  // would fail to close too.
  void Close(Handle file) {
    if (!ok()) RedirectFileToMemory(file.get());
    Check(H5Fclose(file.release()), "H5Fclose");
  }

  // neo would read a file that lacks part of the block without complaint, so
  // a failed write leaves none. Only a regular file goes: the path may name a
  // device.
  void DiscardFile() {
    std::error_code ignored;
    if (std::filesystem::is_regular_file(path_, ignored)) std::filesystem::remove(path_, ignored);
  }

  template <typename Result>
  Result Check(Result result, const char* call, const std::string& name = "") {
    if (result < 0 && ok()) {
      status_ = absl::InternalError(
          absl::StrCat("NIX file '", path_, "': ", call, name.empty() ? "" : " '", name,
                       name.empty() ? "" : "'", " failed: ", TakeHdf5Complaint()));
    }
    return result;
  }

  // --- HDF5 ---

  // neo iterates DataArrays and Groups in creation order (".10" after ".9"),
  // and nixpy fails on any group without that index.
  Handle Group(hid_t parent, const std::string& name) {
    if (!ok()) return {};
    return Handle(
        Check(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, group_options_.get(), H5P_DEFAULT),
              "H5Gcreate2", name),
        H5Gclose);
  }

  void HardLink(hid_t target, hid_t parent, const std::string& name) {
    if (!ok()) return;
    Check(H5Lcreate_hard(target, ".", parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
          "H5Lcreate_hard", name);
  }

  void WriteAttribute(hid_t object, const char* name, hid_t file_type, hid_t space,
                      hid_t memory_type, const void* value) {
    if (!ok()) return;
    Handle attribute(Check(H5Acreate2(object, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT),
                           "H5Acreate2", name),
                     H5Aclose);
    if (ok()) Check(H5Awrite(attribute.get(), memory_type, value), "H5Awrite", name);
  }

  // nixpy writes every string attribute as a scalar variable-length string.
  void Attribute(hid_t object, const char* name, const std::string& value) {
    const char* text = value.c_str();
    WriteAttribute(object, name, string_type_.get(), scalar_.get(), string_type_.get(), &text);
  }

  void Attribute(hid_t object, const char* name, double value) {
    WriteAttribute(object, name, H5T_IEEE_F64LE, scalar_.get(), H5T_NATIVE_DOUBLE, &value);
  }

  // A 1-D dataset written with one H5Dwrite. Contiguous, not chunked like
  // nixpy's: readers do not care, and a chunk index costs about 2 kB per
  // dataset, which would dominate files with 10^5 spike trains.
  Handle Dataset(hid_t parent, const std::string& name, hid_t file_type, hid_t memory_type,
                 hsize_t size, const void* data) {
    if (!ok()) return {};
    Handle space(Check(H5Screate_simple(1, &size, nullptr), "H5Screate_simple", name), H5Sclose);
    if (!ok()) return {};
    Handle dataset(Check(H5Dcreate2(parent, name.c_str(), file_type, space.get(), H5P_DEFAULT,
                                    H5P_DEFAULT, H5P_DEFAULT),
                         "H5Dcreate2", name),
                   H5Dclose);
    if (ok() && size > 0 && data != nullptr) {
      Check(H5Dwrite(dataset.get(), memory_type, H5S_ALL, H5S_ALL, transfer_options_.get(), data),
            "H5Dwrite", name);
    }
    return dataset;
  }

  // Values [first, first + count) of a 1-D dataset.
  void WriteRange(hid_t dataset, hid_t memory_type, hsize_t first, hsize_t count,
                  const void* data) {
    if (!ok()) return;
    Handle file_space(Check(H5Dget_space(dataset), "H5Dget_space"), H5Sclose);
    Handle memory_space(Check(H5Screate_simple(1, &count, nullptr), "H5Screate_simple"), H5Sclose);
    if (!ok()) return;
    Check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &first, nullptr, &count, nullptr),
          "H5Sselect_hyperslab");
    if (!ok()) return;
    Check(H5Dwrite(dataset, memory_type, memory_space.get(), file_space.get(),
                   transfer_options_.get(), data),
          "H5Dwrite");
  }

  // A failure that is not HDF5's (a reader's, a check of data read late).
  void Fail(absl::Status status) {
    if (ok()) status_ = std::move(status);
  }

  // --- NIX ---

  // A version-4 UUID in its 16 raw bytes.
  std::array<unsigned char, 16> RandomUuid() {
    std::array<unsigned char, 16> bytes{};
    if (ok() && std::fread(bytes.data(), 1, bytes.size(), urandom_.get()) != bytes.size()) {
      status_ = absl::InternalError(
          absl::StrCat("NIX file '", path_, "': reading /dev/urandom for entity ids failed"));
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    return bytes;
  }

  // nixpy rejects any entity whose entity_id does not parse as a UUID.
  std::string NewEntityId() {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string id;
    id.reserve(36);
    const std::array<unsigned char, 16> bytes = RandomUuid();
    for (size_t i = 0; i < bytes.size(); ++i) {
      if (i == 4 || i == 6 || i == 8 || i == 10) id.push_back('-');
      id.push_back(kHex[bytes[i] >> 4]);
      id.push_back(kHex[bytes[i] & 0x0f]);
    }
    return id;
  }

  // neo's own naming ("neo.spiketrain.<uuid4 hex>"): unique within the block,
  // whatever the Neo names are, and free of '/'.
  std::string NewName(const char* prefix) {
    std::string name = NewEntityId();
    name.erase(std::remove(name.begin(), name.end(), '-'), name.end());
    return prefix + name;
  }

  void EntityAttributes(hid_t object, const std::string& name, const std::string& id) {
    Attribute(object, "name", name);
    Attribute(object, "entity_id", id);
    Attribute(object, "created_at", timestamp_);
    Attribute(object, "updated_at", timestamp_);
  }

  Entity CreateEntity(hid_t container, const std::string& name, const std::string& type) {
    Entity entity{Group(container, name), NewEntityId()};
    EntityAttributes(entity.group.get(), name, entity.id);
    Attribute(entity.group.get(), "type", type);
    return entity;
  }

  Section CreateSection(hid_t container, const std::string& name, const std::string& type) {
    Entity entity = CreateEntity(container, name, type);
    Handle properties = Group(entity.group.get(), "properties");
    return Section{std::move(entity), std::move(properties)};
  }

  // A property is a 1-D dataset carrying entity attributes; neo turns a
  // one-element one into a scalar, a `unit` into a Quantity, and
  // type="ARRAYANNOTATION" into an array annotation.
  Handle PropertyDataset(hid_t properties, const std::string& name, hid_t file_type,
                         hid_t memory_type, hsize_t size, const void* data) {
    Handle dataset = Dataset(properties, name, file_type, memory_type, size, data);
    EntityAttributes(dataset.get(), name, NewEntityId());
    return dataset;
  }

  void Property(hid_t properties, const std::string& name, const NixValue& value,
                const std::string& unit = "") {
    Handle dataset;
    if (const auto* text = std::get_if<std::string>(&value)) {
      const char* pointer = text->c_str();
      dataset =
          PropertyDataset(properties, name, string_type_.get(), string_type_.get(), 1, &pointer);
    } else if (const auto* number = std::get_if<double>(&value)) {
      dataset = PropertyDataset(properties, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, number);
    } else if (const auto* integer = std::get_if<int64_t>(&value)) {
      dataset = PropertyDataset(properties, name, H5T_STD_I64LE, H5T_NATIVE_INT64, 1, integer);
    } else {
      const int8_t flag = std::get<bool>(value) ? 1 : 0;
      dataset = PropertyDataset(properties, name, bool_type_.get(), bool_type_.get(), 1, &flag);
    }
    if (!unit.empty()) Attribute(dataset.get(), "unit", unit);
  }

  void IntegerArrayProperty(hid_t properties, const std::string& name,
                            const std::vector<int64_t>& values, bool array_annotation) {
    Handle dataset = PropertyDataset(properties, name, H5T_STD_I64LE, H5T_NATIVE_INT64,
                                     values.size(), values.data());
    if (array_annotation) Attribute(dataset.get(), "type", "ARRAYANNOTATION");
  }

  void Annotations(hid_t properties, const std::map<std::string, NixValue>& annotations) {
    for (const auto& [key, value] : annotations) Property(properties, key, value);
  }

  void WriteFile(hid_t file, const NixBlock& block) {
    const hsize_t version_length = 3;
    Handle version_space(H5Screate_simple(1, &version_length, nullptr), H5Sclose);
    Check(version_space.get(), "H5Screate_simple");
    Attribute(file, "format", "nix");
    WriteAttribute(file, "version", H5T_STD_I32LE, version_space.get(), H5T_NATIVE_INT32,
                   kNixFormatVersion);
    Attribute(file, "id", NewEntityId());
    Attribute(file, "created_at", timestamp_);
    Attribute(file, "updated_at", timestamp_);
    Handle data = Group(file, "data");
    Handle metadata = Group(file, "metadata");
    // neo's writer creates this section first, on opening the file.
    Section neo = CreateSection(metadata.get(), "neo", "neo.metadata");
    Property(neo.properties.get(), "version", std::string(kNeoVersion));
    WriteBlock(block, data.get(), metadata.get());
  }

  void WriteBlock(const NixBlock& block, hid_t data, hid_t metadata) {
    const std::string name = NewName("neo.block.");
    Entity nix_block = CreateEntity(data, name, "neo.block");
    Attribute(nix_block.group.get(), "definition", block.description);
    Section section = CreateSection(metadata, name, "neo.block.metadata");
    HardLink(section.entity.group.get(), nix_block.group.get(), "metadata");
    Property(section.properties.get(), "neo_name", block.name);
    Annotations(section.properties.get(), block.annotations);

    Handle data_arrays = Group(nix_block.group.get(), "data_arrays");
    Handle multi_tags = Group(nix_block.group.get(), "multi_tags");
    Handle groups = Group(nix_block.group.get(), "groups");
    Handle sections = Group(section.entity.group.get(), "sections");
    for (const NixSegment& segment : block.segments) {
      WriteSegment(segment, data_arrays.get(), multi_tags.get(), groups.get(), sections.get());
    }
  }

  void WriteSegment(const NixSegment& segment, hid_t block_data_arrays, hid_t block_multi_tags,
                    hid_t block_groups, hid_t block_sections) {
    const std::string name = NewName("neo.segment.");
    Entity group = CreateEntity(block_groups, name, "neo.segment");
    Attribute(group.group.get(), "definition", segment.description);
    Section section = CreateSection(block_sections, name, "neo.segment.metadata");
    HardLink(section.entity.group.get(), group.group.get(), "metadata");
    Property(section.properties.get(), "neo_name", segment.name);
    Annotations(section.properties.get(), segment.annotations);

    Handle data_arrays = Group(group.group.get(), "data_arrays");
    Handle multi_tags = Group(group.group.get(), "multi_tags");
    Handle sections = Group(section.entity.group.get(), "sections");
    const SegmentTargets targets{block_data_arrays, block_multi_tags, data_arrays.get(),
                                 multi_tags.get(), sections.get()};
    for (const NixSignal& signal : segment.signals) {
      if (!ok()) return;
      WriteSignal(signal, targets);
    }
    for (const NixSpikeTrain& train : segment.spike_trains) {
      if (!ok()) return;
      WriteSpikeTrain(train, train.times_ms.data(), train.times_ms.size(), targets);
    }
    for (size_t i = 0; i < segment.spike_sources.size() && ok(); ++i) {
      WriteSpikeTrainSource(segment.spike_sources[i], absl::StrCat("spike_sources[", i, "]"),
                            targets);
    }
  }

  void WriteSignal(const NixSignal& signal, const SegmentTargets& targets) {
    const std::string name = NewName("neo.analogsignal.");
    // neo names the signal after this section, and groups the DataArrays
    // "<name>.<i>" under it.
    Section section = CreateSection(targets.sections, name, "neo.analogsignal.metadata");
    const hid_t properties = section.properties.get();
    Property(properties, "neo_name", signal.name);
    Property(properties, "t_start", signal.t_start_ms, "ms");
    if (!signal.source_ids.empty()) {
      IntegerArrayProperty(properties, "source_ids", signal.source_ids, false);
    }
    Property(properties, "source_population", signal.source_population);
    if (!signal.channel_index.empty()) {
      IntegerArrayProperty(properties, "channel_index", signal.channel_index, true);
    }
    if (signal.float32) {
      WriteChannels<float>(signal, name, section.entity.group.get(), targets);
    } else {
      WriteChannels<double>(signal, name, section.entity.group.get(), targets);
    }
  }

  // Rows [begin, end) of `signal`: in its values, or read into `piece`;
  // nullptr after a failed read.
  const double* Rows(const NixSignal& signal, uint64_t begin, uint64_t end,
                     std::vector<double>* piece) {
    if (signal.read_rows == nullptr) return signal.values.data() + begin * signal.num_channels;
    piece->resize((end - begin) * signal.num_channels);
    absl::Status read = signal.read_rows(begin, end, piece->data());
    if (!read.ok()) {
      Fail(std::move(read));
      return nullptr;
    }
    return piece->data();
  }

  // Rows are taken a bounded piece at a time. A signal of one piece has each
  // DataArray written as it is made; a larger one has its DataArrays made
  // first (the same layout) and filled piece by piece, a bounded number of
  // channels at a time (their datasets kept open: reopening one for every
  // piece costs more than the write).
  template <typename T>
  void WriteChannels(const NixSignal& signal, const std::string& name, hid_t section,
                     const SegmentTargets& targets) {
    const uint64_t samples = signal.num_samples;
    const size_t channels = signal.num_channels;
    const uint64_t rows_per_piece =
        std::max<uint64_t>(1, kMaxPieceBytes / (channels * sizeof(double)));
    const bool one_piece = samples <= rows_per_piece;
    const size_t per_group = one_piece ? channels : kMaxOpenDatasets;
    std::vector<double> piece;
    std::vector<T> columns;
    std::vector<Handle> datasets;
    for (size_t group = 0; group < channels && ok(); group += per_group) {
      const size_t group_end = std::min(channels, group + per_group);
      datasets.clear();
      for (size_t c = group; c < group_end && !one_piece && ok(); ++c) {
        datasets.push_back(WriteChannel(signal, absl::StrCat(name, ".", c), Hdf5Types<T>::File(),
                                        Hdf5Types<T>::Memory(), nullptr, section, targets));
      }
      const size_t per_pass = std::min(kMaxColumnsPerPass, group_end - group);
      for (uint64_t begin = 0; (begin == 0 || begin < samples) && ok(); begin += rows_per_piece) {
        const uint64_t n = std::min(rows_per_piece, samples - begin);
        const double* rows = Rows(signal, begin, begin + n, &piece);
        if (rows == nullptr) return;
        columns.resize(per_pass * n);
        for (size_t first = group; first < group_end && ok(); first += per_pass) {
          const size_t count = std::min(per_pass, group_end - first);
          for (uint64_t k = 0; k < n; ++k) {
            const double* row = rows + k * channels + first;
            for (size_t c = 0; c < count; ++c) columns[c * n + k] = static_cast<T>(row[c]);
          }
          for (size_t c = 0; c < count; ++c) {
            if (one_piece) {
              WriteChannel(signal, absl::StrCat(name, ".", first + c), Hdf5Types<T>::File(),
                           Hdf5Types<T>::Memory(), columns.data() + c * n, section, targets);
            } else {
              WriteRange(datasets[first + c - group].get(), Hdf5Types<T>::Memory(), begin, n,
                         columns.data() + c * n);
            }
          }
        }
      }
    }
  }

  // Returns the DataArray's dataset, written when `column` is given.
  Handle WriteChannel(const NixSignal& signal, const std::string& name, hid_t file_type,
                      hid_t memory_type, const void* column, hid_t section,
                      const SegmentTargets& targets) {
    Entity array = CreateEntity(targets.block_data_arrays, name, "neo.analogsignal");
    const hid_t group = array.group.get();
    Attribute(group, "unit", signal.units);
    Handle dataset = Dataset(group, "data", file_type, memory_type, signal.num_samples, column);
    Handle dimensions = Group(group, "dimensions");
    // neo finds the time axis by its label.
    Handle time = Group(dimensions.get(), "1");
    Attribute(time.get(), "dimension_type", "sample");
    Attribute(time.get(), "sampling_interval", signal.sampling_period_ms);
    Attribute(time.get(), "offset", signal.t_start_ms);
    Attribute(time.get(), "unit", "ms");
    Attribute(time.get(), "label", "time");
    HardLink(section, group, "metadata");
    HardLink(group, targets.data_arrays, array.id);
    return dataset;
  }

  void WriteSpikeTrain(const NixSpikeTrain& train, const double* times, size_t count,
                       const SegmentTargets& targets) {
    const std::string name = NewName("neo.spiketrain.");
    Entity times_array =
        CreateEntity(targets.block_data_arrays, name + ".times", "neo.spiketrain.times");
    Attribute(times_array.group.get(), "unit", "ms");
    Dataset(times_array.group.get(), "data", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, count, times);
    Entity tag = CreateEntity(targets.block_multi_tags, name, "neo.spiketrain");
    HardLink(times_array.group.get(), tag.group.get(), "positions");
    Section section = CreateSection(targets.sections, name, "neo.spiketrain.metadata");
    HardLink(section.entity.group.get(), tag.group.get(), "metadata");
    const hid_t properties = section.properties.get();
    Property(properties, "neo_name", std::string());
    Property(properties, "t_start", train.t_start_ms, "ms");
    Property(properties, "t_stop", train.t_stop_ms, "ms");
    Annotations(properties, train.annotations);
    HardLink(tag.group.get(), targets.multi_tags, tag.id);
  }

  // The trains in groups of at most kMaxScratchBytes of times (or one
  // train), each group gathered by one read of all the spikes.
  void WriteSpikeTrainSource(const NixSpikeTrainSource& source, const std::string& field,
                             const SegmentTargets& targets) {
    const size_t trains = source.trains.size();
    std::vector<uint64_t> offset, fill;
    std::vector<double> times;
    for (size_t first = 0, last = 0; first < trains && ok(); first = last) {
      uint64_t total = 0;
      while (last < trains &&
             (last == first || total + source.counts[last] <= kMaxScratchBytes / sizeof(double))) {
        total += source.counts[last++];
      }
      offset.assign(1, 0);
      for (size_t t = first; t < last; ++t) offset.push_back(offset.back() + source.counts[t]);
      fill.assign(offset.begin(), offset.end() - 1);
      times.resize(total);
      bool more_than_counted = false;
      absl::Status read = source.read([&](const uint32_t* train, const double* time, uint64_t n) {
        for (uint64_t k = 0; k < n; ++k) {
          if (train[k] < first || train[k] >= last) continue;
          const size_t t = train[k] - first;
          if (fill[t] == offset[t + 1]) {
            more_than_counted = true;
          } else {
            times[fill[t]++] = time[k];
          }
        }
      });
      if (!read.ok()) return Fail(std::move(read));
      for (size_t t = first; t < last && ok(); ++t) {
        const std::string train_field =
            absl::StrCat("NIX file '", path_, "': ", field, ".trains[", t, "]");
        if (more_than_counted || fill[t - first] != offset[t - first + 1]) {
          return Fail(absl::InvalidArgumentError(absl::StrCat(
              train_field, " has other than its count of ", source.counts[t], " spikes")));
        }
        const double* train_times = times.data() + offset[t - first];
        Fail(CheckSpikeTimes(source.trains[t], train_times, source.counts[t], train_field));
        WriteSpikeTrain(source.trains[t], train_times, source.counts[t], targets);
      }
    }
  }

  std::string path_;
  std::unique_ptr<FILE, int (*)(FILE*)> urandom_;
  std::string timestamp_;  // nixpy's format: Boost's to_iso_string, UTC
  Handle group_options_;
  Handle transfer_options_;
  Handle string_type_;
  Handle bool_type_;
  Handle scalar_;
  absl::Status status_;
};

}  // namespace

absl::Status WriteNixFile(const NixBlock& block, const std::string& path) {
  if (absl::Status status = CheckBlock(block); !status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("NIX file '", path, "': ", status.message()));
  }
  QuietHdf5Errors quiet;
  return NixFileWriter(path).Write(block);
}

}  // namespace spikeserve::server
