// Starts the real spikeserve binary on a free loopback port for end-to-end
// tests, and stops it with SIGTERM as an operator would.
#ifndef SPIKESERVE_TESTS_SERVER_PROCESS_H_
#define SPIKESERVE_TESTS_SERVER_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace spikeserve::testing {

class ServerProcess {
 public:
  // `binary` relative to the test's runfiles directory (e.g. "server/spikeserve").
  // Blocks until the port file appears (the server is listening); aborts the
  // test binary if it does not within 30 s.
  ServerProcess(const std::string& binary, const std::vector<std::string>& extra_flags = {});
  ~ServerProcess();  // SIGTERM if still running
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  const std::string& address() const { return address_; }
  pid_t pid() const { return pid_; }
  // Resident memory of the server process in bytes (from /proc).
  int64_t ResidentBytes() const;
  // Processor time the server process has used so far, user and system, in
  // seconds (from /proc).
  double CpuSeconds() const;
  bool running();

  // Sends `signal` and waits up to `timeout_s`; returns the exit status as
  // waitpid reports it, or -1 on timeout (the process is then killed).
  int Stop(int signal, double timeout_s = 30.0);

  // What the server wrote to stderr so far (one line per RPC).
  std::string Log() const;

 private:
  pid_t pid_ = -1;
  std::string address_;
  std::string log_path_;
};

}  // namespace spikeserve::testing

#endif  // SPIKESERVE_TESTS_SERVER_PROCESS_H_
