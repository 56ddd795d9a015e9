// Reads the writer's files back with the HDF5 C API and checks them against
// the layout neo.io.NixIO needs (shared/reference/neo-nix-grpc.md).
#include "server/nix_writer.h"

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hdf5.h"
#include "server/full_disk_for_test.h"

namespace spikeserve::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::StartsWith;

const std::regex kUuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
const std::regex kTimestamp("[0-9]{8}T[0-9]{6}");

class Id {
 public:
  Id(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  Id(Id&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), close_(other.close_) {}
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  ~Id() {
    if (id_ >= 0) close_(id_);
  }
  hid_t get() const { return id_; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

std::string TempPath(const std::string& name) {
  const char* directory = std::getenv("TEST_TMPDIR");
  return std::string(directory != nullptr ? directory : "/tmp") + "/" + name;
}

bool FileExists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

Id Open(hid_t location, const std::string& path) {
  Id object(H5Oopen(location, path.c_str(), H5P_DEFAULT), H5Oclose);
  EXPECT_GE(object.get(), 0) << path;
  return object;
}

haddr_t Address(hid_t object) {
  H5O_info_t info;
  EXPECT_GE(H5Oget_info2(object, &info, H5O_INFO_BASIC), 0);
  return info.addr;
}

std::vector<std::string> LinksInCreationOrder(hid_t group) {
  std::vector<std::string> names;
  EXPECT_GE(H5Literate(
                group, H5_INDEX_CRT_ORDER, H5_ITER_INC, nullptr,
                [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
                  static_cast<std::vector<std::string>*>(out)->push_back(name);
                  return 0;
                },
                &names),
            0);
  return names;
}

// Also checks the spec's encoding: a scalar variable-length UTF-8 string.
std::string StringAttribute(hid_t object, const std::string& name) {
  Id attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
  if (attribute.get() < 0) {
    ADD_FAILURE() << "no attribute " << name;
    return "";
  }
  Id type(H5Aget_type(attribute.get()), H5Tclose);
  Id space(H5Aget_space(attribute.get()), H5Sclose);
  EXPECT_GT(H5Tis_variable_str(type.get()), 0) << name;
  EXPECT_EQ(H5Tget_cset(type.get()), H5T_CSET_UTF8) << name;
  EXPECT_EQ(H5Sget_simple_extent_type(space.get()), H5S_SCALAR) << name;
  char* text = nullptr;
  EXPECT_GE(H5Aread(attribute.get(), type.get(), &text), 0) << name;
  std::string value = text != nullptr ? text : "";
  H5free_memory(text);
  return value;
}

double DoubleAttribute(hid_t object, const std::string& name) {
  Id attribute(H5Aopen(object, name.c_str(), H5P_DEFAULT), H5Aclose);
  double value = NAN;
  EXPECT_GE(H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, &value), 0) << name;
  return value;
}

bool HasAttribute(hid_t object, const std::string& name) {
  return H5Aexists(object, name.c_str()) > 0;
}

template <typename T>
std::vector<T> ReadNumbers(hid_t dataset, hid_t memory_type) {
  Id space(H5Dget_space(dataset), H5Sclose);
  EXPECT_EQ(H5Sget_simple_extent_ndims(space.get()), 1);
  std::vector<T> values(H5Sget_simple_extent_npoints(space.get()));
  if (!values.empty()) {
    EXPECT_GE(H5Dread(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), 0);
  }
  return values;
}

// The type a dataset is stored with: class and size in bytes.
std::pair<H5T_class_t, size_t> StoredType(hid_t dataset) {
  Id type(H5Dget_type(dataset), H5Tclose);
  return {H5Tget_class(type.get()), H5Tget_size(type.get())};
}

// A metadata section's properties; neo reads a one-element one as its value.
class Properties {
 public:
  explicit Properties(hid_t section) : section_(section) {}

  std::string String(const std::string& name) const {
    Id dataset = Open(name);
    Id type(H5Dget_type(dataset.get()), H5Tclose);
    EXPECT_GT(H5Tis_variable_str(type.get()), 0) << name;
    EXPECT_EQ(Count(dataset.get()), 1u) << name;
    char* text = nullptr;
    EXPECT_GE(H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &text), 0);
    std::string value = text != nullptr ? text : "";
    H5free_memory(text);
    return value;
  }

  double Double(const std::string& name) const {
    Id dataset = Open(name);
    EXPECT_EQ(StoredType(dataset.get()), std::make_pair(H5T_FLOAT, sizeof(double))) << name;
    const std::vector<double> values = ReadNumbers<double>(dataset.get(), H5T_NATIVE_DOUBLE);
    EXPECT_THAT(values, SizeIs(1)) << name;
    return values.empty() ? NAN : values[0];
  }

  std::vector<int64_t> Integers(const std::string& name) const {
    Id dataset = Open(name);
    EXPECT_EQ(StoredType(dataset.get()), std::make_pair(H5T_INTEGER, sizeof(int64_t))) << name;
    return ReadNumbers<int64_t>(dataset.get(), H5T_NATIVE_INT64);
  }

  // h5py's bool: an int8 enum with members FALSE = 0 and TRUE = 1.
  bool Bool(const std::string& name) const {
    Id dataset = Open(name);
    Id type(H5Dget_type(dataset.get()), H5Tclose);
    EXPECT_EQ(H5Tget_class(type.get()), H5T_ENUM) << name;
    EXPECT_EQ(H5Tget_size(type.get()), 1u) << name;
    for (const auto& [member, expected] :
         {std::pair<int8_t, const char*>{0, "FALSE"}, {1, "TRUE"}}) {
      char label[8] = {};
      EXPECT_GE(H5Tenum_nameof(type.get(), &member, label, sizeof(label)), 0);
      EXPECT_STREQ(label, expected);
    }
    int8_t value = -1;
    EXPECT_GE(H5Dread(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &value), 0);
    return value == 1;
  }

  std::string Attribute(const std::string& property, const std::string& name) const {
    Id dataset = Open(property);
    return HasAttribute(dataset.get(), name) ? StringAttribute(dataset.get(), name) : "<absent>";
  }

  std::vector<std::string> Names() const {
    Id properties = ::spikeserve::server::Open(section_, "properties");
    return LinksInCreationOrder(properties.get());
  }

 private:
  Id Open(const std::string& name) const {
    return ::spikeserve::server::Open(section_, "properties/" + name);
  }
  static hsize_t Count(hid_t dataset) {
    Id space(H5Dget_space(dataset), H5Sclose);
    return H5Sget_simple_extent_npoints(space.get());
  }

  hid_t section_;
};

// Values that float32 cannot hold exactly, distinct per channel and sample.
NixSignal MakeSignal(const std::string& name, const std::string& units, uint32_t channels,
                     uint64_t samples, bool float32, double t_start_ms, double period_ms) {
  NixSignal signal;
  signal.name = name;
  signal.units = units;
  signal.sampling_period_ms = period_ms;
  signal.t_start_ms = t_start_ms;
  signal.num_samples = samples;
  signal.num_channels = channels;
  signal.float32 = float32;
  signal.values.resize(samples * channels);
  for (uint64_t k = 0; k < samples; ++k) {
    for (uint32_t c = 0; c < channels; ++c) {
      signal.values[k * channels + c] = 100.0 * c + std::sin(0.1 * k + c) / 3.0;
    }
  }
  for (uint32_t c = 0; c < channels; ++c) {
    signal.source_ids.push_back(1000 + c);
    signal.channel_index.push_back(c);
  }
  signal.source_population = "exc";
  return signal;
}

NixSpikeTrain MakeTrain(std::vector<double> times, double t_start, double t_stop, int64_t id) {
  NixSpikeTrain train;
  train.times_ms = std::move(times);
  train.t_start_ms = t_start;
  train.t_stop_ms = t_stop;
  train.annotations = {{"source_population", std::string("exc")}, {"channel_id", id}};
  return train;
}

NixBlock TestBlock() {
  NixBlock block;
  block.name = "exc";
  block.description = "Population exc of 15 IF_cond_exp";
  block.annotations = {
      {"label", std::string("exc")}, {"dt", 0.1}, {"size", int64_t{15}}, {"excitatory", true}};
  NixSegment first;
  first.name = "segment000";
  first.description = "first run";
  first.annotations = {{"trial", int64_t{3}}};
  first.signals.push_back(MakeSignal("v", "mV", 3, 6, false, 0.0, 0.1));
  first.spike_trains.push_back(MakeTrain({1.5, 2.25, 7.0}, 0.0, 10.0, 1000));
  first.spike_trains.push_back(MakeTrain({}, 0.0, 10.0, 1001));
  NixSegment second;
  second.name = "segment001";
  second.description = "second run";
  second.signals.push_back(MakeSignal("gsyn_exc", "uS", 12, 4, true, 10.0, 0.25));
  second.spike_trains.push_back(MakeTrain({12.5}, 10.0, 20.0, 1002));
  block.segments = {first, second};
  return block;
}

class NixWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(WriteNixFile(block_, path_).ok());
    file_ = H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(file_, 0);
    const std::vector<std::string> blocks = LinksInCreationOrder(Open(file_, "data").get());
    ASSERT_THAT(blocks, SizeIs(1));
    block_name_ = blocks[0];
  }
  void TearDown() override {
    if (file_ >= 0) H5Fclose(file_);
  }

  std::string BlockPath() const { return "data/" + block_name_; }
  std::string BlockSectionPath() const { return "metadata/" + block_name_; }
  std::vector<std::string> SegmentNames() const {
    return LinksInCreationOrder(Open(file_, BlockPath() + "/groups").get());
  }

  const NixBlock block_ = TestBlock();
  const std::string path_ = TempPath("nix_writer_test.nix");
  hid_t file_ = H5I_INVALID_HID;
  std::string block_name_;
};

TEST_F(NixWriterTest, RootCarriesTheNixHeader) {
  EXPECT_EQ(StringAttribute(file_, "format"), "nix");
  Id version(H5Aopen(file_, "version", H5P_DEFAULT), H5Aclose);
  Id type(H5Aget_type(version.get()), H5Tclose);
  EXPECT_EQ(H5Tget_class(type.get()), H5T_INTEGER);
  EXPECT_EQ(H5Tget_size(type.get()), 4u);
  int32_t numbers[3] = {};
  EXPECT_GE(H5Aread(version.get(), H5T_NATIVE_INT32, numbers), 0);
  EXPECT_THAT(numbers, ElementsAre(1, 2, 1));
  EXPECT_TRUE(std::regex_match(StringAttribute(file_, "id"), kUuid));
  EXPECT_TRUE(std::regex_match(StringAttribute(file_, "created_at"), kTimestamp));
  EXPECT_TRUE(std::regex_match(StringAttribute(file_, "updated_at"), kTimestamp));
  EXPECT_THAT(LinksInCreationOrder(file_), ElementsAre("data", "metadata"));

  EXPECT_THAT(LinksInCreationOrder(Open(file_, "metadata").get()), ElementsAre("neo", block_name_));
  Id neo = Open(file_, "metadata/neo");
  EXPECT_EQ(StringAttribute(neo.get(), "type"), "neo.metadata");
  EXPECT_EQ(Properties(neo.get()).String("version"), "0.11.1");
}

TEST_F(NixWriterTest, EveryGroupIndexesLinkCreationOrder) {
  std::vector<std::string> groups;
  ASSERT_GE(H5Ovisit2(
                file_, H5_INDEX_NAME, H5_ITER_INC,
                [](hid_t, const char* name, const H5O_info_t* info, void* out) -> herr_t {
                  if (info->type == H5O_TYPE_GROUP) {
                    static_cast<std::vector<std::string>*>(out)->push_back(name);
                  }
                  return 0;
                },
                &groups, H5O_INFO_BASIC),
            0);
  EXPECT_GT(groups.size(), 50u);
  for (const std::string& name : groups) {
    Id group(H5Gopen2(file_, name.c_str(), H5P_DEFAULT), H5Gclose);
    Id options(H5Gget_create_plist(group.get()), H5Pclose);
    unsigned flags = 0;
    ASSERT_GE(H5Pget_link_creation_order(options.get(), &flags), 0);
    EXPECT_EQ(flags, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) << name;
  }
}

TEST_F(NixWriterTest, EveryEntityHasItsOwnUuidAndTimestamps) {
  std::vector<std::string> entities;
  ASSERT_GE(H5Ovisit2(
                file_, H5_INDEX_NAME, H5_ITER_INC,
                [](hid_t root, const char* name, const H5O_info_t*, void* out) -> herr_t {
                  Id object(H5Oopen(root, name, H5P_DEFAULT), H5Oclose);
                  // Dimension descriptors are the only unnamed groups.
                  if (H5Aexists(object.get(), "name") > 0) {
                    static_cast<std::vector<std::string>*>(out)->push_back(name);
                  }
                  return 0;
                },
                &entities, H5O_INFO_BASIC),
            0);
  // Block, its section and 5 properties; /metadata/neo and 1 property; per
  // segment a group, a section and its properties (2 + 1); per signal a
  // section with 5 properties and a DataArray per channel (3 + 12); per spike
  // train a DataArray, a MultiTag, a section and 5 properties (3 trains).
  EXPECT_EQ(entities.size(), 7u + 2 + (4 + 3) + (6 * 2 + 3 + 12) + 8 * 3);
  std::set<std::string> ids;
  for (const std::string& name : entities) {
    Id object = Open(file_, name);
    const std::string id = StringAttribute(object.get(), "entity_id");
    EXPECT_TRUE(std::regex_match(id, kUuid)) << name << ": " << id;
    EXPECT_TRUE(std::regex_match(StringAttribute(object.get(), "created_at"), kTimestamp)) << name;
    EXPECT_TRUE(std::regex_match(StringAttribute(object.get(), "updated_at"), kTimestamp)) << name;
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), entities.size());
}

TEST_F(NixWriterTest, BlockCarriesNameDescriptionAndAnnotations) {
  EXPECT_THAT(block_name_, StartsWith("neo.block."));
  Id block = Open(file_, BlockPath());
  EXPECT_EQ(StringAttribute(block.get(), "type"), "neo.block");
  EXPECT_EQ(StringAttribute(block.get(), "definition"), "Population exc of 15 IF_cond_exp");
  Id section = Open(file_, BlockSectionPath());
  EXPECT_EQ(Address(Open(block.get(), "metadata").get()), Address(section.get()));
  EXPECT_EQ(StringAttribute(section.get(), "type"), "neo.block.metadata");
  const Properties properties(section.get());
  EXPECT_EQ(properties.String("neo_name"), "exc");
  EXPECT_EQ(properties.String("label"), "exc");
  EXPECT_EQ(properties.Double("dt"), 0.1);
  EXPECT_THAT(properties.Integers("size"), ElementsAre(15));
  EXPECT_TRUE(properties.Bool("excitatory"));
}

TEST_F(NixWriterTest, SegmentsKeepTheirOrderNamesAndAnnotations) {
  const std::vector<std::string> segments = SegmentNames();
  ASSERT_THAT(segments, SizeIs(2));
  const std::vector<std::string> sections =
      LinksInCreationOrder(Open(file_, BlockSectionPath() + "/sections").get());
  EXPECT_EQ(sections, segments);
  for (size_t s = 0; s < segments.size(); ++s) {
    EXPECT_THAT(segments[s], StartsWith("neo.segment."));
    Id group = Open(file_, BlockPath() + "/groups/" + segments[s]);
    Id section = Open(file_, BlockSectionPath() + "/sections/" + segments[s]);
    EXPECT_EQ(StringAttribute(group.get(), "type"), "neo.segment");
    EXPECT_EQ(StringAttribute(group.get(), "definition"), block_.segments[s].description);
    EXPECT_EQ(StringAttribute(section.get(), "type"), "neo.segment.metadata");
    EXPECT_EQ(Address(Open(group.get(), "metadata").get()), Address(section.get()));
    EXPECT_EQ(Properties(section.get()).String("neo_name"), block_.segments[s].name);
  }
  Id first = Open(file_, BlockSectionPath() + "/sections/" + segments[0]);
  EXPECT_THAT(Properties(first.get()).Names(), ElementsAre("neo_name", "trial"));
  EXPECT_THAT(Properties(first.get()).Integers("trial"), ElementsAre(3));
}

TEST_F(NixWriterTest, SignalsRoundTripOneDataArrayPerChannelInOrder) {
  const std::vector<std::string> segments = SegmentNames();
  ASSERT_THAT(segments, SizeIs(2));
  for (size_t s = 0; s < segments.size(); ++s) {
    const NixSignal& expected = block_.segments[s].signals[0];
    Id group = Open(file_, BlockPath() + "/groups/" + segments[s]);
    Id links = Open(group.get(), "data_arrays");
    const std::vector<std::string> ids = LinksInCreationOrder(links.get());
    ASSERT_THAT(ids, SizeIs(expected.num_channels));

    std::string base;
    std::vector<haddr_t> sections;
    for (uint32_t c = 0; c < expected.num_channels; ++c) {
      SCOPED_TRACE(testing::Message() << "segment " << s << " channel " << c);
      Id array = Open(links.get(), ids[c]);
      // Groups link by entity id to the DataArray that lives in the Block.
      EXPECT_EQ(StringAttribute(array.get(), "entity_id"), ids[c]);
      const std::string name = StringAttribute(array.get(), "name");
      EXPECT_EQ(Address(Open(file_, BlockPath() + "/data_arrays/" + name).get()),
                Address(array.get()));
      if (c == 0) base = name.substr(0, name.size() - 2);
      EXPECT_THAT(base, StartsWith("neo.analogsignal."));
      EXPECT_EQ(name, base + "." + std::to_string(c));
      EXPECT_EQ(StringAttribute(array.get(), "type"), "neo.analogsignal");
      EXPECT_EQ(StringAttribute(array.get(), "unit"), expected.units);

      Id data = Open(array.get(), "data");
      std::vector<double> column;
      for (uint64_t k = 0; k < expected.num_samples; ++k) {
        const double value = expected.values[k * expected.num_channels + c];
        column.push_back(expected.float32 ? static_cast<float>(value) : value);
      }
      EXPECT_EQ(StoredType(data.get()),
                std::make_pair(H5T_FLOAT, expected.float32 ? sizeof(float) : sizeof(double)));
      EXPECT_EQ(ReadNumbers<double>(data.get(), H5T_NATIVE_DOUBLE), column);

      EXPECT_THAT(LinksInCreationOrder(Open(array.get(), "dimensions").get()), ElementsAre("1"));
      Id time = Open(array.get(), "dimensions/1");
      EXPECT_EQ(StringAttribute(time.get(), "dimension_type"), "sample");
      EXPECT_EQ(DoubleAttribute(time.get(), "sampling_interval"), expected.sampling_period_ms);
      EXPECT_EQ(DoubleAttribute(time.get(), "offset"), expected.t_start_ms);
      EXPECT_EQ(StringAttribute(time.get(), "unit"), "ms");
      EXPECT_EQ(StringAttribute(time.get(), "label"), "time");
      sections.push_back(Address(Open(array.get(), "metadata").get()));
    }
    if (expected.num_channels > 10) {
      EXPECT_EQ(StringAttribute(Open(links.get(), ids[10]).get(), "name"), base + ".10");
    }

    // One section shared by all channels, named after the signal.
    Id section = Open(file_, BlockSectionPath() + "/sections/" + segments[s] + "/sections/" + base);
    EXPECT_THAT(sections, testing::Each(Address(section.get())));
    EXPECT_EQ(StringAttribute(section.get(), "type"), "neo.analogsignal.metadata");
    const Properties properties(section.get());
    EXPECT_EQ(properties.String("neo_name"), expected.name);
    EXPECT_EQ(properties.Double("t_start"), expected.t_start_ms);
    EXPECT_EQ(properties.Attribute("t_start", "unit"), "ms");
    EXPECT_EQ(properties.Integers("source_ids"), expected.source_ids);
    EXPECT_EQ(properties.Attribute("source_ids", "type"), "<absent>");
    EXPECT_EQ(properties.Integers("channel_index"), expected.channel_index);
    EXPECT_EQ(properties.Attribute("channel_index", "type"), "ARRAYANNOTATION");
    EXPECT_EQ(properties.String("source_population"), "exc");
  }
}

TEST_F(NixWriterTest, SpikeTrainsRoundTripAsMultiTagsWithPositions) {
  const std::vector<std::string> segments = SegmentNames();
  ASSERT_THAT(segments, SizeIs(2));
  for (size_t s = 0; s < segments.size(); ++s) {
    const std::vector<NixSpikeTrain>& expected = block_.segments[s].spike_trains;
    Id links = Open(file_, BlockPath() + "/groups/" + segments[s] + "/multi_tags");
    const std::vector<std::string> ids = LinksInCreationOrder(links.get());
    ASSERT_THAT(ids, SizeIs(expected.size()));
    for (size_t i = 0; i < expected.size(); ++i) {
      SCOPED_TRACE(testing::Message() << "segment " << s << " train " << i);
      Id tag = Open(links.get(), ids[i]);
      EXPECT_EQ(StringAttribute(tag.get(), "entity_id"), ids[i]);
      const std::string name = StringAttribute(tag.get(), "name");
      EXPECT_THAT(name, StartsWith("neo.spiketrain."));
      EXPECT_EQ(StringAttribute(tag.get(), "type"), "neo.spiketrain");
      EXPECT_EQ(Address(Open(file_, BlockPath() + "/multi_tags/" + name).get()),
                Address(tag.get()));

      Id positions = Open(tag.get(), "positions");
      EXPECT_EQ(Address(Open(file_, BlockPath() + "/data_arrays/" + name + ".times").get()),
                Address(positions.get()));
      EXPECT_EQ(StringAttribute(positions.get(), "type"), "neo.spiketrain.times");
      EXPECT_EQ(StringAttribute(positions.get(), "unit"), "ms");
      Id data = Open(positions.get(), "data");
      EXPECT_EQ(StoredType(data.get()), std::make_pair(H5T_FLOAT, sizeof(double)));
      EXPECT_EQ(ReadNumbers<double>(data.get(), H5T_NATIVE_DOUBLE), expected[i].times_ms);

      Id section =
          Open(file_, BlockSectionPath() + "/sections/" + segments[s] + "/sections/" + name);
      EXPECT_EQ(Address(Open(tag.get(), "metadata").get()), Address(section.get()));
      EXPECT_EQ(StringAttribute(section.get(), "type"), "neo.spiketrain.metadata");
      const Properties properties(section.get());
      EXPECT_THAT(properties.Names(),
                  ElementsAre("neo_name", "t_start", "t_stop", "channel_id", "source_population"));
      EXPECT_EQ(properties.String("neo_name"), "");
      EXPECT_EQ(properties.Double("t_start"), expected[i].t_start_ms);
      EXPECT_EQ(properties.Attribute("t_start", "unit"), "ms");
      EXPECT_EQ(properties.Double("t_stop"), expected[i].t_stop_ms);
      EXPECT_EQ(properties.Attribute("t_stop", "unit"), "ms");
      EXPECT_EQ(properties.String("source_population"), "exc");
      EXPECT_EQ(properties.Integers("channel_id"),
                std::vector<int64_t>{std::get<int64_t>(expected[i].annotations.at("channel_id"))});
    }
  }
}

// Channels are transposed a bounded number of columns at a time: by column
// count (256) for short signals, by scratch size (8 MiB) for long ones.
TEST(NixWriterColumns, SurviveSeveralTransposePasses) {
  const std::string path = TempPath("nix_writer_columns.nix");
  for (const auto& [channels, samples] :
       {std::pair<uint32_t, uint64_t>{300, 3}, std::pair<uint32_t, uint64_t>{5, 300'000}}) {
    SCOPED_TRACE(testing::Message() << channels << " x " << samples);
    NixBlock block;
    block.segments.resize(1);
    block.segments[0].signals.push_back(MakeSignal("v", "mV", channels, samples, false, 0.0, 0.1));
    const NixSignal& signal = block.segments[0].signals[0];
    ASSERT_TRUE(WriteNixFile(block, path).ok());

    Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    Id data_arrays =
        Open(file.get(),
             "data/" + LinksInCreationOrder(Open(file.get(), "data").get())[0] + "/data_arrays");
    const std::vector<std::string> names = LinksInCreationOrder(data_arrays.get());
    ASSERT_THAT(names, SizeIs(channels));
    for (uint32_t c = 0; c < channels; ++c) {
      EXPECT_THAT(names[c], testing::EndsWith("." + std::to_string(c)));
      Id data = Open(data_arrays.get(), names[c] + "/data");
      const std::vector<double> column = ReadNumbers<double>(data.get(), H5T_NATIVE_DOUBLE);
      ASSERT_THAT(column, SizeIs(samples));
      for (uint64_t k = 0; k < samples; ++k) {
        ASSERT_EQ(column[k], signal.values[k * channels + c]) << "channel " << c << " sample " << k;
      }
    }
  }
}

// Every DataArray's values in a file, in creation order.
std::vector<std::vector<double>> AllDataArrays(const std::string& path) {
  Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  Id data_arrays =
      Open(file.get(),
           "data/" + LinksInCreationOrder(Open(file.get(), "data").get())[0] + "/data_arrays");
  std::vector<std::vector<double>> arrays;
  for (const std::string& name : LinksInCreationOrder(data_arrays.get())) {
    Id data = Open(data_arrays.get(), name + "/data");
    arrays.push_back(ReadNumbers<double>(data.get(), H5T_NATIVE_DOUBLE));
  }
  return arrays;
}

// Data given through readers (as the export gives a session's recordings)
// is asked for a bounded piece at a time and written exactly as the same
// data given in memory: a signal of several pieces (64 MiB) and more
// channels than are written at once (4096), and spike trains of more spikes
// than one gathering holds (8 MiB of times, so read more than once).
TEST(NixWriterReaders, WriteTheSameFileInBoundedPieces) {
  constexpr uint32_t kChannels = 4100;
  constexpr uint64_t kSamples = 2100;  // 69 MB: two pieces
  const std::vector<uint64_t> counts = {600'000, 500'000, 100'000, 0};
  // Spike k of train t is at t + k * 1e-5 ms; the reader hands them out
  // interleaved, in pieces of 50,000.
  NixBlock in_memory;
  in_memory.segments.resize(1);
  NixSegment& memory = in_memory.segments[0];
  memory.signals.push_back(MakeSignal("v", "mV", kChannels, kSamples, false, 0.0, 0.1));
  for (size_t t = 0; t < counts.size(); ++t) {
    std::vector<double> times(counts[t]);
    for (uint64_t k = 0; k < counts[t]; ++k) times[k] = t + k * 1e-5;
    memory.spike_trains.push_back(MakeTrain(std::move(times), 0.0, 10.0, 1000 + t));
  }

  NixBlock through_readers;
  through_readers.segments.resize(1);
  NixSegment& read = through_readers.segments[0];
  NixSignal signal = memory.signals[0];
  signal.values.clear();
  uint64_t largest_read = 0;
  signal.read_rows = [&](uint64_t begin, uint64_t end, double* out) {
    largest_read = std::max(largest_read, (end - begin) * kChannels * sizeof(double));
    const std::vector<double>& values = memory.signals[0].values;
    std::copy(values.begin() + begin * kChannels, values.begin() + end * kChannels, out);
    return absl::OkStatus();
  };
  read.signals.push_back(std::move(signal));
  NixSpikeTrainSource source;
  int passes = 0;
  for (size_t t = 0; t < counts.size(); ++t) {
    source.trains.push_back(MakeTrain({}, 0.0, 10.0, 1000 + t));
    source.counts.push_back(counts[t]);
  }
  source.read = [&](const NixSpikePiece& piece) {
    ++passes;
    std::vector<uint32_t> trains;
    std::vector<double> times;
    std::vector<uint64_t> next(counts.size(), 0);
    for (bool more = true; more;) {
      more = false;
      for (size_t t = 0; t < counts.size(); ++t) {
        for (int j = 0; j < 10 && next[t] < counts[t]; ++j, ++next[t]) {
          trains.push_back(t);
          times.push_back(memory.spike_trains[t].times_ms[next[t]]);
        }
        more |= next[t] < counts[t];
      }
      if (trains.size() >= 50'000 || !more) {
        piece(trains.data(), times.data(), trains.size());
        trains.clear();
        times.clear();
      }
    }
    return absl::OkStatus();
  };
  read.spike_sources.push_back(std::move(source));

  const std::string memory_path = TempPath("nix_writer_memory.nix");
  const std::string readers_path = TempPath("nix_writer_readers.nix");
  ASSERT_TRUE(WriteNixFile(in_memory, memory_path).ok());
  ASSERT_TRUE(WriteNixFile(through_readers, readers_path).ok());
  EXPECT_LE(largest_read, size_t{64} << 20);
  EXPECT_LT(largest_read, kSamples * kChannels * sizeof(double));
  EXPECT_EQ(passes, 2);  // trains {0} and {1, 2, 3}
  const auto expected = AllDataArrays(memory_path);
  ASSERT_THAT(expected, SizeIs(kChannels + counts.size()));
  EXPECT_TRUE(AllDataArrays(readers_path) == expected);
}

// A reader's error, and spikes that disagree with their counts or lie
// outside the train, fail the write and leave no file.
TEST(NixWriterReaders, ErrorsFailTheWriteAndLeaveNothing) {
  const std::string path = TempPath("nix_writer_reader_errors.nix");
  NixBlock block;
  block.segments.resize(1);
  NixSignal signal = MakeSignal("v", "mV", 2, 10, false, 0.0, 0.1);
  signal.values.clear();
  signal.read_rows = [](uint64_t, uint64_t, double*) {
    return absl::InternalError("cannot read block b7 of the spill file");
  };
  block.segments[0].signals.push_back(std::move(signal));
  absl::Status status = WriteNixFile(block, path);
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(status.message(), HasSubstr("b7"));
  EXPECT_FALSE(FileExists(path));

  for (const auto& [count, time, what] :
       {std::tuple<uint64_t, double, const char*>{2, 1.0, "count"},
        std::tuple<uint64_t, double, const char*>{1, 11.0, "outside"}}) {
    SCOPED_TRACE(what);
    NixBlock spikes;
    spikes.segments.resize(1);
    NixSpikeTrainSource source;
    source.trains.push_back(MakeTrain({}, 0.0, 10.0, 1000));
    source.counts.push_back(count);
    source.read = [time = time](const NixSpikePiece& piece) {
      const uint32_t train = 0;
      piece(&train, &time, 1);
      return absl::OkStatus();
    };
    spikes.segments[0].spike_sources.push_back(std::move(source));
    status = WriteNixFile(spikes, path);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_THAT(status.message(), HasSubstr("spike_sources[0].trains[0]"));
    EXPECT_FALSE(FileExists(path));
  }
}

TEST(NixWriterFiles, OverwritesAnExistingFile) {
  const std::string path = TempPath("nix_writer_overwrite.nix");
  std::string ids[2];
  for (std::string& id : ids) {
    ASSERT_TRUE(WriteNixFile(TestBlock(), path).ok());
    Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    id = StringAttribute(file.get(), "id");
    EXPECT_THAT(LinksInCreationOrder(Open(file.get(), "data").get()), SizeIs(1));
  }
  EXPECT_NE(ids[0], ids[1]);
}

TEST(NixWriterFiles, UnwritablePathIsAnErrorNamingPathAndCause) {
  const std::string path = "/nonexistent-spikeserve-dir/out.nix";
  const absl::Status status = WriteNixFile(TestBlock(), path);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr(path));
  EXPECT_THAT(status.message(), HasSubstr("No such file or directory"));

  const absl::Status directory = WriteNixFile(TestBlock(), TempPath(""));
  EXPECT_EQ(directory.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(directory.message(), HasSubstr("Is a directory"));
}

// A write that fails half-way (a disk that fills up) must not leave a file
// that neo would read as a shorter recording, nor an HDF5 file the library
// cannot let go of.
TEST(NixWriterFiles, FullDiskIsReportedAndLeavesNothingBehind) {
  const std::string path = TempPath("nix_writer_full_disk.nix");
  NixBlock block = TestBlock();
  block.segments[0].signals.push_back(MakeSignal("big", "mV", 10, 20'000, false, 0.0, 0.1));
  absl::Status status;
  {
    FullDisk full_disk(path);
    status = WriteNixFile(block, path);
  }

  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(status.message(), HasSubstr(path));
  EXPECT_THAT(status.message(), HasSubstr("No space left on device"));
  EXPECT_FALSE(FileExists(path));
  EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_FILE), 0);
  EXPECT_TRUE(WriteNixFile(block, path).ok());
}

TEST(NixWriterBadInput, IsRejectedBeforeAnythingIsWritten) {
  const std::string path = TempPath("nix_writer_bad.nix");
  struct Case {
    std::string change;
    void (*apply)(NixBlock&);
    std::string message;
  };
  const std::vector<Case> cases = {
      {"too few values", [](NixBlock& b) { b.segments[0].signals[0].values.pop_back(); },
       "segments[0].signals[0].values holds 17 values; num_samples x num_channels is 6 x 3"},
      {"too many samples claimed",
       [](NixBlock& b) { b.segments[1].signals[0].num_samples = uint64_t{1} << 62; },
       "segments[1].signals[0].values"},
      {"no channels", [](NixBlock& b) { b.segments[0].signals[0].num_channels = 0; },
       "num_channels is 0"},
      {"source_ids of the wrong length",
       [](NixBlock& b) { b.segments[0].signals[0].source_ids.push_back(7); }, "source_ids holds 4"},
      {"channel_index of the wrong length",
       [](NixBlock& b) { b.segments[1].signals[0].channel_index.resize(11); },
       "channel_index holds 11"},
      {"zero sampling period", [](NixBlock& b) { b.segments[0].signals[0].sampling_period_ms = 0; },
       "sampling_period_ms"},
      {"NaN t_start", [](NixBlock& b) { b.segments[0].signals[0].t_start_ms = NAN; },
       "t_start_ms is not finite"},
      {"spike after t_stop",
       [](NixBlock& b) { b.segments[0].spike_trains[0].times_ms.push_back(10.5); },
       "segments[0].spike_trains[0].times_ms[3] = 10.5 lies outside [0, 10]"},
      {"NaN spike", [](NixBlock& b) { b.segments[0].spike_trains[1].times_ms.push_back(NAN); },
       "times_ms[0] = nan"},
      {"t_start after t_stop", [](NixBlock& b) { b.segments[1].spike_trains[0].t_start_ms = 30; },
       "segments[1].spike_trains[0] spans [30, 20]"},
      {"annotation with '/'", [](NixBlock& b) { b.annotations["a/b"] = 1.0; }, "'a/b'"},
      {"empty annotation name", [](NixBlock& b) { b.segments[1].annotations[""] = 1.0; },
       "segments[1].annotations has the name ''"},
      {"reserved annotation",
       [](NixBlock& b) { b.segments[0].spike_trains[0].annotations["t_stop"] = 1.0; },
       "segments[0].spike_trains[0].annotations['t_stop'] collides"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.change);
    NixBlock block = TestBlock();
    c.apply(block);
    const absl::Status status = WriteNixFile(block, path);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr(path));
    EXPECT_THAT(status.message(), HasSubstr(c.message));
    EXPECT_FALSE(FileExists(path));
  }
}

}  // namespace
}  // namespace spikeserve::server
