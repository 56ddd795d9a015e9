#include <cstdint>
#include <memory>
#include <new>
#include <vector>

#include "gtest/gtest.h"

namespace {

bool OnCacheLine(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 64 == 0; }

TEST(CacheAlignedNewTest, ColumnsOfFourKibibytesAndMoreStartOnACacheLine) {
  // From the heap and from mmap (glibc's threshold starts at 128 KiB), with
  // smaller blocks between them that would shift a 16-byte-aligned heap.
  std::vector<std::unique_ptr<char[]>> small;
  for (size_t doubles : {512, 513, 1000, 4097, 20000, 100000, 1 << 20}) {
    small.emplace_back(new char[24]);
    std::vector<double> column(doubles, 1.0);
    EXPECT_TRUE(OnCacheLine(column.data())) << doubles << " doubles";
  }
}

TEST(CacheAlignedNewTest, SmallAllocationsStillWork) {
  std::vector<std::unique_ptr<int>> cells;
  for (int i = 0; i < 1000; ++i) cells.emplace_back(new int(i));
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(*cells[i], i);
  std::unique_ptr<char[]> empty(new char[0]);
  EXPECT_NE(empty.get(), nullptr);
}

int handler_calls = 0;

TEST(CacheAlignedNewTest, FailureCallsTheNewHandlerThenThrowsOrReturnsNull) {
  const size_t impossible = SIZE_MAX / 4;
  EXPECT_EQ(::operator new(impossible, std::nothrow), nullptr);
  EXPECT_EQ(::operator new[](impossible, std::nothrow), nullptr);
  EXPECT_THROW(::operator new(impossible), std::bad_alloc);
  // A handler that gives up after its third call.
  std::set_new_handler([] {
    if (++handler_calls == 3) std::set_new_handler(nullptr);
  });
  EXPECT_THROW(::operator new[](impossible), std::bad_alloc);
  EXPECT_EQ(handler_calls, 3);
}

}  // namespace
