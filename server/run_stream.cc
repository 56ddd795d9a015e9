#include "server/run_stream.h"

#include <algorithm>
#include <utility>

#include "absl/time/time.h"

namespace spikeserve::server {
namespace {

// How often a waiting simulation asks whether it should give up.
constexpr absl::Duration kStopPoll = absl::Milliseconds(50);

uint32_t StreamId(const v1::DataChunk& chunk) {
  return chunk.has_signal_chunk() ? chunk.signal_chunk().signal_id()
                                  : chunk.spike_batch().spikes_id();
}

}  // namespace

RunStream::RunStream(Options options, Writer write, std::function<bool()> stopping,
                     std::function<void()> cancel)
    : options_(options),
      write_(std::move(write)),
      stopping_(std::move(stopping)),
      cancel_(std::move(cancel)) {}

RunStream::~RunStream() {
  std::thread writer;
  {
    absl::MutexLock lock(&mutex_);
    // Finish() drained the queue; anything left belongs to a call that is
    // being abandoned, so only the event being written is waited for.
    closed_ = true;
    for (const Queued& queued : queue_) queued_bytes_ -= queued.bytes;
    queue_.clear();
    writer = std::move(writer_);
  }
  if (writer.joinable()) writer.join();
}

RunStream::Queued RunStream::Wrap(v1::RunEvent event) {
  Queued queued;
  queued.bytes = event.ByteSizeLong();
  if (event.has_live_chunk()) {
    const v1::DataChunk& chunk = event.live_chunk().chunk();
    if (chunk.has_signal_chunk()) queued.bulk_bytes = chunk.signal_chunk().data().size();
    if (chunk.has_spike_batch()) {
      queued.bulk_bytes = chunk.spike_batch().source_index_u32le().size() +
                          chunk.spike_batch().times_f64le().size();
    }
  }
  queued.event = std::move(event);
  return queued;
}

bool RunStream::Fits(uint64_t bytes) const {
  return queued_bytes_ == 0 || queued_bytes_ + bytes <= options_.window_bytes;
}

void RunStream::Append(std::vector<Queued> events) {
  if (!writer_.joinable()) writer_ = std::thread([this] { WriterLoop(); });
  for (Queued& queued : events) {
    queued_bytes_ += queued.bytes;
    queue_.push_back(std::move(queued));
  }
  stats_.set_peak_queued_bytes(std::max<uint64_t>(stats_.peak_queued_bytes(), queued_bytes_));
}

bool RunStream::AwaitOrStop(const std::function<bool()>& done) {
  auto ready = [&] { return gone_ || done(); };
  while (!mutex_.AwaitWithTimeout(absl::Condition(&ready), kStopPoll)) {
    if (stopping_()) {
      cancel_();
      return false;
    }
  }
  return true;
}

bool RunStream::PushWaiting(std::vector<Queued> events) {
  uint64_t total = 0;
  for (const Queued& queued : events) total += queued.bytes;
  if (!gone_ && !Fits(total)) {
    if (!run_ended_) stats_.set_waits(stats_.waits() + 1);
    if (!AwaitOrStop([&] { return Fits(total); })) return false;
  }
  if (gone_) return false;
  Append(std::move(events));
  return true;
}

bool RunStream::TryPush(std::vector<Queued>& events) {
  uint64_t total = 0;
  for (const Queued& queued : events) total += queued.bytes;
  if (!Fits(total)) return false;
  Append(std::move(events));
  return true;
}

std::vector<RunStream::Queued> RunStream::SkipEvents() const {
  std::vector<Queued> events;
  for (uint32_t id : skip_order_) {
    v1::RunEvent event;
    *event.mutable_live_skipped() = skips_.at(id);
    events.push_back(Wrap(std::move(event)));
  }
  return events;
}

void RunStream::NoteSkipped(uint32_t segment, double t_start_ms, double t_stop_ms,
                            const v1::DataChunk& chunk) {
  const uint32_t id = StreamId(chunk);
  auto [it, first] = skips_.try_emplace(id);
  v1::LiveDataSkipped& skip = it->second;
  if (first) {
    skip_order_.push_back(id);
    skip.set_segment(segment);
    skip.set_stream_id(id);
    skip.set_t_start_ms(t_start_ms);
    skip.set_t_stop_ms(t_stop_ms);
  }
  skip.set_t_start_ms(std::min(skip.t_start_ms(), t_start_ms));
  skip.set_t_stop_ms(std::max(skip.t_stop_ms(), t_stop_ms));
  skip.set_num_chunks(skip.num_chunks() + 1);
  if (chunk.has_signal_chunk()) {
    const v1::SignalChunk& rows = chunk.signal_chunk();
    // Chunks of one stream come in row order, so the union is one range.
    const uint64_t end = std::max(skip.first_sample() + skip.num_samples(),
                                  rows.first_sample() + rows.num_samples());
    const uint64_t begin = first ? rows.first_sample()
                                 : std::min(skip.first_sample(), rows.first_sample());
    skip.set_first_sample(begin);
    skip.set_num_samples(end - begin);
    skip.set_num_values(skip.num_values() + rows.num_samples() * rows.num_channels());
  } else {
    skip.set_num_spikes(skip.num_spikes() + chunk.spike_batch().num_spikes());
  }
}

bool RunStream::Live(uint32_t segment, double t_start_ms, double t_stop_ms,
                     v1::DataChunk& chunk) {
  v1::RunEvent event;
  v1::LiveChunk* live = event.mutable_live_chunk();
  live->set_segment(segment);
  live->set_t_start_ms(t_start_ms);
  live->set_t_stop_ms(t_stop_ms);
  live->mutable_chunk()->Swap(&chunk);
  Queued queued = Wrap(std::move(event));
  const v1::DataChunk& sent = queued.event.live_chunk().chunk();
  const bool bulk = sent.has_signal_chunk() || sent.has_spike_batch();

  absl::MutexLock lock(&mutex_);
  if (gone_) return false;
  if (options_.policy != v1::DROP_LIVE || !bulk) {
    // Skip reports (DROP_LIVE) go before any later mark such as SegmentEnd.
    std::vector<Queued> events = SkipEvents();
    skips_.clear();
    skip_order_.clear();
    events.push_back(std::move(queued));
    return PushWaiting(std::move(events));
  }
  const uint32_t id = StreamId(sent);
  std::vector<Queued> events;
  auto skip = skips_.find(id);
  if (skip != skips_.end()) {
    v1::RunEvent report;
    *report.mutable_live_skipped() = skip->second;
    events.push_back(Wrap(std::move(report)));
  }
  events.push_back(std::move(queued));
  if (!TryPush(events)) {
    NoteSkipped(segment, t_start_ms, t_stop_ms, events.back().event.live_chunk().chunk());
    stats_.set_chunks_skipped(stats_.chunks_skipped() + 1);
    return true;
  }
  if (skip != skips_.end()) {
    skip_order_.erase(std::find(skip_order_.begin(), skip_order_.end(), id));
    skips_.erase(skip);
  }
  return true;
}

bool RunStream::Progress(const v1::RunProgress& progress) {
  v1::RunEvent event;
  *event.mutable_progress() = progress;
  Queued queued = Wrap(std::move(event));
  absl::MutexLock lock(&mutex_);
  if (gone_) return false;
  if (options_.policy != v1::DROP_LIVE) return PushWaiting({std::move(queued)});
  std::vector<Queued> events = SkipEvents();
  events.push_back(std::move(queued));
  if (TryPush(events)) {
    skips_.clear();
    skip_order_.clear();
  }
  return true;
}

void RunStream::RunEnded() {
  absl::MutexLock lock(&mutex_);
  run_ended_ = true;
}

bool RunStream::Finish(v1::RunFinished finished, bool live) {
  v1::RunEvent event;
  {
    absl::MutexLock lock(&mutex_);
    std::vector<Queued> skips = SkipEvents();
    skips_.clear();
    skip_order_.clear();
    if (!skips.empty() && !PushWaiting(std::move(skips))) return false;
    // The figures count what was written, so they wait for the queue to drain.
    if (!AwaitOrStop([&] { return queued_bytes_ == 0; }) || gone_) return false;
    if (live) *finished.mutable_live_data() = stats_;
  }
  // The queue is empty and nothing else is pushed, so the writer thread (if
  // any) is idle: the last event needs no hand-over.
  *event.mutable_finished() = std::move(finished);
  return write_(event, /*last=*/true);
}

bool RunStream::client_gone() const { return gone_.load(std::memory_order_acquire); }

v1::LiveDataStats RunStream::stats() const {
  absl::MutexLock lock(&mutex_);
  return stats_;
}

void RunStream::WriterLoop() {
  for (;;) {
    Queued queued;
    {
      absl::MutexLock lock(&mutex_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
        return !queue_.empty() || closed_;
      };
      mutex_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;
      queued = std::move(queue_.front());
      queue_.pop_front();
    }
    const bool written = write_(queued.event, /*last=*/false);
    absl::MutexLock lock(&mutex_);
    queued_bytes_ -= queued.bytes;
    if (!written) {
      gone_ = true;
      for (const Queued& rest : queue_) queued_bytes_ -= rest.bytes;
      queue_.clear();
    } else if (queued.event.has_live_chunk()) {
      stats_.set_chunks_sent(stats_.chunks_sent() + 1);
      stats_.set_bulk_bytes_sent(stats_.bulk_bytes_sent() + queued.bulk_bytes);
    }
  }
}

}  // namespace spikeserve::server
