// The Run call's events on their way to the client, with back-pressure.
//
// The simulating thread never writes to gRPC itself: it pushes RunEvents into
// a FIFO bounded by `window_bytes` and one writer thread drains it with gRPC's
// blocking Write (which blocks while HTTP/2 flow control holds the client's
// window full). When the FIFO is full the policy decides (simulator.proto,
// BackpressurePolicy): PAUSE makes the simulation wait; DROP_LIVE drops the
// bulk live chunk and remembers, per signal or spike-train set, what it
// dropped, to report it in one LiveDataSkipped before that stream's next
// chunk. Memory held here is therefore at most the window (or one event when
// a single one is larger), plus one pending report per stream and one
// pending progress event, whatever the client does.
#ifndef SPIKESERVE_SERVER_RUN_STREAM_H_
#define SPIKESERVE_SERVER_RUN_STREAM_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "spikeserve/v1/simulator.pb.h"

namespace spikeserve::server {

class RunStream {
 public:
  struct Options {
    v1::BackpressurePolicy policy = v1::PAUSE;
    uint64_t window_bytes = 4 << 20;
  };
  // Writes one event and returns when gRPC has taken it; false when the
  // client is gone. `last` marks the final event (RunFinished), which goes out
  // together with the call's status: the writer hands it over without waiting
  // for the client (one write and one client wake-up fewer per run).
  using Writer = std::function<bool(const v1::RunEvent& event, bool last)>;

  // `stopping` is asked while the simulation waits for room (the session is
  // closing, the server shutting down, the call cancelled); when it says
  // true, `cancel` is called (to unblock the writer) and the wait ends.
  RunStream(Options options, Writer write, std::function<bool()> stopping,
            std::function<void()> cancel);
  // Stops the writer thread after the queue drained (or the client left).
  ~RunStream();
  RunStream(const RunStream&) = delete;
  RunStream& operator=(const RunStream&) = delete;

  // A live chunk recorded while the simulation went from t_start_ms to
  // t_stop_ms. SignalChunk and SpikeBatch follow the policy; every other
  // chunk (headers, ids, segment and block marks) waits for room. May take
  // the chunk's contents. False when the client is gone.
  bool Live(uint32_t segment, double t_start_ms, double t_stop_ms, v1::DataChunk& chunk);
  // PAUSE waits for room; DROP_LIVE sends it after the pending skip reports
  // if all fit, and drops it otherwise (the next one, or RunFinished, says
  // a later time).
  bool Progress(const v1::RunProgress& progress);
  // Waits until the writer has handed everything to gRPC, then sends
  // `finished` with the live-data figures (when `live`) as the last event,
  // from the calling thread; false if the client left.
  bool Finish(v1::RunFinished finished, bool live);
  // The simulation has stopped: waiting for room from now on (the run's last
  // live chunks and marks) is not counted in stats().waits(), which counts
  // the times the running simulation waited for the client.
  void RunEnded();

  bool client_gone() const;
  v1::LiveDataStats stats() const;

 private:
  struct Queued {
    v1::RunEvent event;
    uint64_t bytes = 0;       // serialised size, counted against the window
    uint64_t bulk_bytes = 0;  // signal values or spike indices + times
  };

  static Queued Wrap(v1::RunEvent event);
  bool Fits(uint64_t bytes) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Pushes all of `events`, waiting for room. False: client gone or stopping.
  bool PushWaiting(std::vector<Queued> events) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Pushes all of `events` if they fit now; false otherwise.
  bool TryPush(std::vector<Queued>& events) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void Append(std::vector<Queued> events) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // The pending skip reports as events, first-come first.
  std::vector<Queued> SkipEvents() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  // Waits until `done` or the client left; false if stopping first.
  bool AwaitOrStop(const std::function<bool()>& done) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void NoteSkipped(uint32_t segment, double t_start_ms, double t_stop_ms,
                   const v1::DataChunk& chunk) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void WriterLoop();

  const Options options_;
  const Writer write_;
  const std::function<bool()> stopping_;
  const std::function<void()> cancel_;

  mutable absl::Mutex mutex_;
  std::deque<Queued> queue_ ABSL_GUARDED_BY(mutex_);
  uint64_t queued_bytes_ ABSL_GUARDED_BY(mutex_) = 0;  // queue + the event being written
  bool closed_ ABSL_GUARDED_BY(mutex_) = false;
  bool run_ended_ ABSL_GUARDED_BY(mutex_) = false;
  // Set under mutex_ (conditions read it there); atomic so that
  // client_gone(), asked at every epoch of a run, takes no lock: locking
  // mutex_ there woke the waiting writer thread 5000 times per simulated
  // second.
  std::atomic<bool> gone_{false};
  // DROP_LIVE: what was dropped per stream id and not reported yet, in the
  // order streams first dropped something.
  std::map<uint32_t, v1::LiveDataSkipped> skips_ ABSL_GUARDED_BY(mutex_);
  std::vector<uint32_t> skip_order_ ABSL_GUARDED_BY(mutex_);
  v1::LiveDataStats stats_ ABSL_GUARDED_BY(mutex_);
  // Started with the first queued event: a run that sends nothing but
  // RunFinished (a short run without live data) creates no thread.
  std::thread writer_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace spikeserve::server

#endif  // SPIKESERVE_SERVER_RUN_STREAM_H_
