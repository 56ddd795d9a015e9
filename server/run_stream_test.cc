// RunStream against a fake client whose reads the test holds back: the
// window bound, PAUSE waiting, DROP_LIVE reports and a departing client.
#include "server/run_stream.h"

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace spikeserve::server {
namespace {

// A client that takes events only while the test lets it.
class FakeClient {
 public:
  bool Write(const v1::RunEvent& event, bool last) {
    absl::MutexLock lock(&mutex_);
    auto can_go = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) { return open_ || failing_; };
    mutex_.Await(absl::Condition(&can_go));
    if (failing_) return false;
    events_.push_back(event);
    last_.push_back(last);
    return true;
  }
  void Open() {
    absl::MutexLock lock(&mutex_);
    open_ = true;
  }
  void Fail() {
    absl::MutexLock lock(&mutex_);
    failing_ = true;
  }
  std::vector<v1::RunEvent> events() {
    absl::MutexLock lock(&mutex_);
    return events_;
  }
  // Whether each event was written as the call's last.
  std::vector<bool> last() {
    absl::MutexLock lock(&mutex_);
    return last_;
  }

 private:
  absl::Mutex mutex_;
  bool open_ = false;
  bool failing_ = false;
  std::vector<v1::RunEvent> events_;
  std::vector<bool> last_;
};

constexpr uint64_t kRows = 10;
constexpr uint64_t kChannels = 128;  // 10 x 128 float64 = 10 KiB per chunk

v1::DataChunk Rows(uint64_t first) {
  v1::DataChunk chunk;
  v1::SignalChunk* rows = chunk.mutable_signal_chunk();
  rows->set_signal_id(1);
  rows->set_first_sample(first);
  rows->set_num_samples(kRows);
  rows->set_num_channels(kChannels);
  rows->set_data(std::string(kRows * kChannels * 8, '\x01'));
  return chunk;
}

RunStream::Options Window(v1::BackpressurePolicy policy) {
  RunStream::Options options;
  options.policy = policy;
  options.window_bytes = 64 << 10;
  return options;
}

TEST(RunStreamTest, PauseMakesTheProducerWaitAndKeepsEverythingInOrder) {
  FakeClient client;
  RunStream stream(
      Window(v1::PAUSE), [&](const v1::RunEvent& e, bool last) { return client.Write(e, last); },
      [] { return false; }, [] {});
  constexpr int kChunks = 100;  // 1 MB through a 64 KiB window
  std::thread producer([&] {
    for (int k = 0; k < kChunks; ++k) {
      v1::DataChunk chunk = Rows(k * kRows);
      ASSERT_TRUE(stream.Live(0, k, k + 1, chunk));
    }
  });
  // The client reads nothing until the producer had to wait for it.
  while (stream.stats().waits() == 0) absl::SleepFor(absl::Milliseconds(1));
  client.Open();
  producer.join();
  v1::RunFinished finished;
  ASSERT_TRUE(stream.Finish(finished, /*live=*/true));

  const std::vector<v1::RunEvent> events = client.events();
  ASSERT_EQ(events.size(), kChunks + 1);
  for (int k = 0; k < kChunks; ++k) {
    ASSERT_TRUE(events[k].has_live_chunk());
    EXPECT_EQ(events[k].live_chunk().chunk().signal_chunk().first_sample(), k * kRows);
  }
  std::vector<bool> last(kChunks + 1, false);
  last.back() = true;
  EXPECT_EQ(client.last(), last);
  const v1::LiveDataStats& stats = events.back().finished().live_data();
  EXPECT_EQ(stats.chunks_sent(), kChunks);
  EXPECT_EQ(stats.chunks_skipped(), 0);
  EXPECT_EQ(stats.bulk_bytes_sent(), kChunks * kRows * kChannels * 8);
  EXPECT_GE(stats.waits(), 1);
  EXPECT_LE(stats.peak_queued_bytes(), 64 << 10);
}

TEST(RunStreamTest, ARunWithoutEventsSendsOnlyTheFinishedEventAsTheLast) {
  FakeClient client;
  client.Open();
  RunStream stream(
      Window(v1::PAUSE), [&](const v1::RunEvent& e, bool last) { return client.Write(e, last); },
      [] { return false; }, [] {});
  v1::RunFinished finished;
  finished.set_t_ms(12.5);
  ASSERT_TRUE(stream.Finish(finished, /*live=*/false));
  const std::vector<v1::RunEvent> events = client.events();
  ASSERT_EQ(events.size(), 1);
  EXPECT_EQ(events[0].finished().t_ms(), 12.5);
  EXPECT_FALSE(events[0].finished().has_live_data());
  EXPECT_EQ(client.last(), std::vector<bool>{true});
}

TEST(RunStreamTest, DropLiveNeverWaitsAndReportsExactlyWhatItDropped) {
  FakeClient client;
  RunStream stream(
      Window(v1::DROP_LIVE), [&](const v1::RunEvent& e, bool last) { return client.Write(e, last); },
      [] { return false; }, [] {});
  constexpr int kChunks = 100;
  // With the client stalled, this returns at once: no wait is possible.
  for (int k = 0; k < kChunks; ++k) {
    v1::DataChunk chunk = Rows(k * kRows);
    ASSERT_TRUE(stream.Live(0, k, k + 1, chunk));
    if (k == 50) {
      v1::RunProgress progress;
      progress.set_t_ms(k + 1);
      ASSERT_TRUE(stream.Progress(progress));  // small: fits after the skip report
    }
  }
  client.Open();
  v1::DataChunk last = Rows(kChunks * kRows);
  ASSERT_TRUE(stream.Live(0, kChunks, kChunks + 1, last));
  ASSERT_TRUE(stream.Finish(v1::RunFinished(), /*live=*/true));

  // Every row arrives once, either as data or inside a skip report that
  // comes before any later data of the stream.
  std::vector<int> seen(kChunks + 1, 0);
  uint64_t next_row = 0;
  uint64_t skipped_chunks = 0;
  int progress_events = 0;
  const std::vector<v1::RunEvent> events = client.events();
  for (const v1::RunEvent& event : events) {
    if (event.has_live_chunk()) {
      const auto& rows = event.live_chunk().chunk().signal_chunk();
      ASSERT_EQ(rows.first_sample(), next_row);
      next_row += rows.num_samples();
      ++seen[rows.first_sample() / kRows];
    } else if (event.has_live_skipped()) {
      const v1::LiveDataSkipped& skip = event.live_skipped();
      ASSERT_EQ(skip.first_sample(), next_row);
      EXPECT_EQ(skip.num_values(), skip.num_samples() * kChannels);
      EXPECT_EQ(skip.num_chunks() * kRows, skip.num_samples());
      EXPECT_DOUBLE_EQ(skip.t_start_ms(), static_cast<double>(skip.first_sample() / kRows));
      EXPECT_DOUBLE_EQ(skip.t_stop_ms(),
                       static_cast<double>((skip.first_sample() + skip.num_samples()) / kRows));
      for (uint64_t r = skip.first_sample(); r < skip.first_sample() + skip.num_samples();
           r += kRows) {
        ++seen[r / kRows];
      }
      next_row += skip.num_samples();
      skipped_chunks += skip.num_chunks();
    } else if (event.has_progress()) {
      // Everything recorded up to its time went before it, as data or report.
      EXPECT_GE(next_row, static_cast<uint64_t>(event.progress().t_ms()) * kRows);
      ++progress_events;
    }
  }
  EXPECT_EQ(next_row, (kChunks + 1) * kRows);
  EXPECT_EQ(progress_events, 1);
  for (int count : seen) EXPECT_EQ(count, 1);
  ASSERT_TRUE(events.back().has_finished());
  const v1::LiveDataStats& stats = events.back().finished().live_data();
  EXPECT_GE(stats.chunks_skipped(), 90);  // the window holds at most 6 of them
  EXPECT_EQ(stats.chunks_skipped(), skipped_chunks);
  EXPECT_EQ(stats.chunks_sent() + stats.chunks_skipped(), kChunks + 1);
  EXPECT_EQ(stats.waits(), 0);
  EXPECT_LE(stats.peak_queued_bytes(), 64 << 10);
}

// Fills a DROP_LIVE window with data chunks, then sends a ChannelIds chunk
// larger than the room left (after RunEnded() if `run_ended`). `open`, on
// another thread, lets the client read when it sees fit. Returns the events
// the client received.
std::vector<v1::RunEvent> IdsThroughAFullWindow(
    bool run_ended, const std::function<void(const RunStream&, FakeClient&)>& open) {
  FakeClient client;
  RunStream stream(
      Window(v1::DROP_LIVE), [&](const v1::RunEvent& e, bool last) { return client.Write(e, last); },
      [] { return false; }, [] {});
  for (int k = 0; k < 10; ++k) {
    v1::DataChunk chunk = Rows(k * kRows);
    EXPECT_TRUE(stream.Live(0, k, k + 1, chunk));
  }
  if (run_ended) stream.RunEnded();
  std::thread reader([&] { open(stream, client); });
  v1::DataChunk ids;
  ids.mutable_channel_ids()->set_stream_id(2);
  ids.mutable_channel_ids()->set_source_ids_u64le(std::string(20 << 10, '\x02'));
  EXPECT_TRUE(stream.Live(0, 10, 10, ids));  // waits for room: never dropped
  reader.join();
  EXPECT_TRUE(stream.Finish(v1::RunFinished(), /*live=*/true));
  return client.events();
}

TEST(RunStreamTest, HeadersAreNeverDropped) {
  const std::vector<v1::RunEvent> events =
      IdsThroughAFullWindow(false, [](const RunStream& stream, FakeClient& client) {
        while (stream.stats().waits() == 0) absl::SleepFor(absl::Milliseconds(1));
        client.Open();
      });
  ASSERT_GE(events.size(), 3);
  EXPECT_TRUE(events[events.size() - 3].has_live_skipped());
  EXPECT_TRUE(events[events.size() - 2].live_chunk().chunk().has_channel_ids());
}

// The run's last marks may wait for a slow reader after the simulation has
// stopped; that is not the simulation waiting, so it is not counted.
TEST(RunStreamTest, WaitingAfterTheRunEndedIsNotCountedAsAWait) {
  const std::vector<v1::RunEvent> events =
      IdsThroughAFullWindow(true, [](const RunStream&, FakeClient& client) {
        absl::SleepFor(absl::Milliseconds(50));
        client.Open();
      });
  ASSERT_GE(events.size(), 2);
  EXPECT_TRUE(events[events.size() - 2].live_chunk().chunk().has_channel_ids());
  EXPECT_EQ(events.back().finished().live_data().waits(), 0);
}

TEST(RunStreamTest, AClientThatLeavesEndsTheStream) {
  FakeClient client;
  RunStream stream(
      Window(v1::PAUSE), [&](const v1::RunEvent& e, bool last) { return client.Write(e, last); },
      [] { return false; }, [] {});
  client.Fail();
  v1::DataChunk chunk = Rows(0);
  stream.Live(0, 0, 1, chunk);
  while (!stream.client_gone()) absl::SleepFor(absl::Milliseconds(1));
  v1::DataChunk next = Rows(kRows);
  EXPECT_FALSE(stream.Live(0, 1, 2, next));
  EXPECT_FALSE(stream.Progress(v1::RunProgress()));
  EXPECT_FALSE(stream.Finish(v1::RunFinished(), true));
}

TEST(RunStreamTest, StoppingEndsAWaitAndCancelsTheCall) {
  FakeClient client;
  std::atomic<bool> stop{false};
  std::atomic<bool> cancelled{false};
  RunStream stream(
      Window(v1::PAUSE), [&](const v1::RunEvent& e, bool last) { return client.Write(e, last); },
      [&] { return stop.load(); },
      [&] {
        cancelled = true;
        client.Fail();
      });
  std::thread producer([&] {
    bool ok = true;
    for (int k = 0; ok; ++k) {
      v1::DataChunk chunk = Rows(k * kRows);
      ok = stream.Live(0, k, k + 1, chunk);
    }
  });
  while (stream.stats().waits() == 0) absl::SleepFor(absl::Milliseconds(1));
  stop = true;  // the session closes while the simulation waits
  producer.join();
  EXPECT_TRUE(cancelled);
}

}  // namespace
}  // namespace spikeserve::server
