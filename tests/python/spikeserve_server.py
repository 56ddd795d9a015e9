"""A real spikeserve server process for Python tests (pytest fixture)."""

import os
import signal
import subprocess
import tempfile
import time

import pytest


def server_binary():
    """The server under Bazel (runfiles), else $SPIKESERVE_BINARY, else bazel-bin."""
    candidates = [os.environ.get("SPIKESERVE_BINARY", "")]
    for root in (os.environ.get("TEST_SRCDIR", ""), os.environ.get("RUNFILES_DIR", "")):
        if root:
            candidates.append(os.path.join(root, "spikeserve", "server", "spikeserve"))
    candidates += ["server/spikeserve", "bazel-bin/server/spikeserve"]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    raise FileNotFoundError("spikeserve binary not found; build //server:spikeserve")


class ServerProcess:
    def __init__(self, *flags):
        self.directory = tempfile.mkdtemp(prefix="spikeserve-test-")
        port_file = os.path.join(self.directory, "port")
        self.log_path = os.path.join(self.directory, "server.log")
        self.data_dir = os.path.join(self.directory, "data")  # --data_dir: files it writes
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [server_binary(), "--listen=127.0.0.1:0", f"--port_file={port_file}",
             f"--data_dir={self.data_dir}", *flags],
            stderr=self.log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if os.path.exists(port_file) and open(port_file).read().strip():
                self.address = "127.0.0.1:" + open(port_file).read().strip()
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        raise RuntimeError("spikeserve did not start:\n" + open(self.log_path).read())

    def stop(self):
        """SIGTERM, as an operator would; returns the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        status = self.process.wait(timeout=30)
        self.log.close()
        return status

    def read_log(self):
        return open(self.log_path).read()


@pytest.fixture(scope="module")
def server():
    process = ServerProcess()
    yield process
    assert process.stop() == 0, process.read_log()
