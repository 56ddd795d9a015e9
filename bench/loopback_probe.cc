// How long does one message take to go to another thread over loopback TCP
// and back, on this machine? The floor under every small RPC: gRPC's round
// trip wakes at least the same two threads (bench/rpc_latency times gRPC's
// own Health.Check for the rest). Timed twice: with the client sleeping in
// read() until the answer arrives, and with it polling (as the C++ client
// does for up to ClientOptions::poll_before_sleeping). On the Firecracker VM
// of bench/RESULTS.md (session 14) they took 74-80 and 24 us: most of the first
// is waking a sleeping thread on another vCPU.
//
//   bazel run -c opt //bench:loopback_probe
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

namespace {

constexpr int kRoundTrips = 5000;
constexpr size_t kMessageBytes = 64;  // about a small RPC's request

bool Fail(const char* what) {
  std::perror(what);
  return false;
}

void NoDelay(int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

enum class Wait { kSleep, kPoll };

// Reads exactly n bytes; false at end of stream or on an error.
bool ReadAll(int fd, char* buffer, size_t n, Wait wait) {
  for (size_t done = 0; done < n;) {
    const ssize_t got = recv(fd, buffer + done, n - done, wait == Wait::kPoll ? MSG_DONTWAIT : 0);
    if (got < 0 && errno == EAGAIN) continue;
    if (got <= 0) return false;
    done += static_cast<size_t>(got);
  }
  return true;
}

bool Run(Wait client_wait) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) return Fail("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;  // any free port
  socklen_t length = sizeof address;
  if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
    return Fail("bind");
  if (listen(listener, 1) != 0) return Fail("listen");
  getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);

  std::thread echo([listener] {
    const int peer = accept(listener, nullptr, nullptr);
    if (peer < 0) return;
    NoDelay(peer);
    char buffer[kMessageBytes];
    while (ReadAll(peer, buffer, sizeof buffer, Wait::kSleep) &&
           write(peer, buffer, sizeof buffer) > 0) {
    }
    close(peer);
  });
  const int client = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    Fail("connect");
    shutdown(listener, SHUT_RDWR);
    echo.join();
    return false;
  }
  NoDelay(client);
  std::vector<double> micros;
  char buffer[kMessageBytes] = {};
  for (int k = 0; k < kRoundTrips; ++k) {
    const auto start = std::chrono::steady_clock::now();
    if (write(client, buffer, sizeof buffer) != static_cast<ssize_t>(sizeof buffer) ||
        !ReadAll(client, buffer, sizeof buffer, client_wait))
      break;
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count());
  }
  close(client);
  echo.join();
  close(listener);
  if (micros.empty()) return false;
  std::sort(micros.begin(), micros.end());
  std::printf(
      "loopback TCP, %zu round trips of %zu bytes between two threads, the client %s: median "
      "%.1f us (90th percentile %.1f us)\n",
      micros.size(), kMessageBytes, client_wait == Wait::kPoll ? "polling" : "sleeping",
      micros[micros.size() / 2], micros[micros.size() * 9 / 10]);
  return true;
}

}  // namespace

int main() { return Run(Wait::kSleep) && Run(Wait::kPoll) ? 0 : 1; }
