"""A fresh spikeserve server for one measured run.

A new process per run makes its VmHWM (peak RSS) that run's alone. It listens
on a free port (--listen 127.0.0.1:0) that it writes to a port file.
"""

import os
import signal
import subprocess
import tempfile
import time

STARTUP_TIMEOUT_S = 30.0
SHUTDOWN_TIMEOUT_S = 30.0


class ServerProcess:
    """Context manager: starts the binary (with extra `flags`), stops it
    (SIGTERM) on exit."""

    def __init__(self, binary, log_path, flags=()):
        self.binary = binary
        self.log_path = log_path
        self.flags = list(flags)
        self.process = None
        self.address = None

    @property
    def pid(self):
        return self.process.pid

    def __enter__(self):
        directory = tempfile.mkdtemp(prefix="bench-server-")
        port_file = os.path.join(directory, "port")
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "--listen=127.0.0.1:0", f"--port_file={port_file}", *self.flags],
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _written(port_file):
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.binary} exited with {self.process.returncode} "
                                   f"at start; see {self.log_path}")
            if time.monotonic() > deadline:
                self._stop()
                raise RuntimeError(f"{self.binary} wrote no port in {STARTUP_TIMEOUT_S} s")
            time.sleep(0.05)
        with open(port_file) as port:
            self.address = f"127.0.0.1:{port.read().strip()}"
        os.remove(port_file)
        os.rmdir(directory)
        return self

    def __exit__(self, *exc):
        self._stop()

    def _stop(self):
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(SHUTDOWN_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _written(port_file):
    """The server writes the port and a newline once it serves."""
    try:
        with open(port_file) as port:
            return port.read().endswith("\n")
    except FileNotFoundError:
        return False
