// The projection writers' layouts, and what a write that fails leaves.
#include "server/projection_file.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hdf5.h"
#include "server/full_disk_for_test.h"

namespace spikeserve::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string TempPath(const std::string& name) {
  const char* directory = std::getenv("TEST_TMPDIR");
  return std::string(directory != nullptr ? directory : "/tmp") + "/" + name;
}

// Connections (0, 1), (0, 1) again (a multapse), (2, 0) of a 3 x 2 projection.
engine::ConnectionTable SmallTable() {
  engine::ConnectionTable table;
  table.pre = {0, 0, 2};
  table.post = {1, 1, 0};
  table.values["weight"] = {0.5, 0.25, 2.0};
  table.values["delay"] = {1.0, 1.5, 0.1};
  return table;
}

TEST(ProjectionFile, ListLayoutIsOneRowPerConnection) {
  const ProjectionRows rows = ListLayout(SmallTable(), {"delay"});
  EXPECT_THAT(rows.columns, ElementsAre("i", "j", "delay"));
  EXPECT_EQ(rows.width, 3u);
  EXPECT_THAT(rows.values, ElementsAre(0, 1, 1.0, 0, 1, 1.5, 2, 0, 0.1));
}

TEST(ProjectionFile, ArrayLayoutSumsMultapsesAndZeroesTheRest) {
  const absl::StatusOr<ProjectionRows> rows = ArrayLayout(SmallTable(), "weight", 3, 2);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(rows->columns, ElementsAre("weight"));
  EXPECT_EQ(rows->width, 2u);
  EXPECT_THAT(rows->values, ElementsAre(0, 0.75, 0, 0, 2.0, 0));
}

TEST(ProjectionFile, TooLargeAnArrayIsRefused) {
  const absl::StatusOr<ProjectionRows> rows = ArrayLayout(SmallTable(), "weight", 100000, 100000);
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(rows.status().message(), HasSubstr("100000 x 100000"));
}

TEST(ProjectionFile, TextHasPyNNsHeader) {
  const std::string path = TempPath("projection_file.txt");
  ASSERT_TRUE(WriteProjectionText(*ArrayLayout(SmallTable(), "weight", 3, 2), path).ok());
  std::ifstream file(path);
  std::string header, first;
  std::getline(file, header);
  std::getline(file, first);
  EXPECT_EQ(header, "# columns = ['weight']");
  EXPECT_EQ(first, "0.000000000000000000e+00 7.500000000000000000e-01");
}

// A disk that fills up must leave no file behind, and no HDF5 file the
// library cannot let go of (HDF5 1.10 would crash on it at exit).
TEST(ProjectionFile, FullDiskIsReportedAndLeavesNothingBehind) {
  const std::string path = TempPath("projection_file_full_disk.h5");
  engine::ConnectionTable table;
  for (uint32_t k = 0; k < 20000; ++k) {
    table.pre.push_back(k / 100);
    table.post.push_back(k % 100);
    table.values["weight"].push_back(k);
  }
  const ProjectionRows rows = ListLayout(table, {"weight"});
  absl::Status status;
  {
    FullDisk full_disk(path);
    status = WriteProjectionHdf5(rows, "full", path);
  }
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr(path));
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_EQ(H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_FILE), 0);
  EXPECT_TRUE(WriteProjectionHdf5(rows, "fine", path).ok());
}

}  // namespace
}  // namespace spikeserve::server
