"""Memory and CPU time of a process, read from Linux's /proc.

CPU seconds are reported besides wall seconds because the benchmark machine
is shared: another process's compile steals wall time but not CPU time.
"""

import os

_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def _status_kib(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(f"/proc/{pid}/status has no {field}")


def rss_bytes(pid):
    """Resident set size now."""
    return _status_kib(pid, "VmRSS") * 1024


def peak_rss_bytes(pid):
    """The high-water mark of the resident set size (VmHWM)."""
    return _status_kib(pid, "VmHWM") * 1024


def reset_peak_rss(pid):
    """Sets VmHWM back to the current RSS (Linux >= 4.0), so that the next
    peak_rss_bytes is the peak of what follows."""
    with open(f"/proc/{pid}/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def _stat_fields(pid):
    """The fields of /proc/PID/stat after the command name (state first)."""
    with open(f"/proc/{pid}/stat") as stat:
        # The command name (field 2) may hold spaces; the fields after its ')' do not.
        return stat.read().rsplit(")", 1)[1].split()


def cpu_seconds(pid):
    """User + system CPU time of all threads of `pid` so far."""
    fields = _stat_fields(pid)
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / _TICKS_PER_SECOND


def minor_faults(pid):
    """Page faults served without I/O so far: mostly first touches of new memory."""
    return int(_stat_fields(pid)[7])


def heap_in_use_bytes(pid, log_path):
    """Bytes the process's malloc has handed out and not had back, all
    arenas and mmapped blocks included: the live data, without the pages the
    allocator keeps (freed chunks, the rest of a transparent huge page) that
    RSS counts as well. The server prints glibc's malloc_stats() to its
    stderr on SIGUSR1; this reads the figure from `log_path`, where that
    goes. (Only for spikeserve: SIGUSR1 ends most other processes.)"""
    import re
    import signal
    import time
    with open(log_path, "rb") as log:
        log.seek(0, os.SEEK_END)
        start = log.tell()
    os.kill(pid, signal.SIGUSR1)
    pattern = re.compile(rb"Total \(incl\. mmap\):\s*system bytes\s*=\s*\d+\s*in use bytes\s*=\s*(\d+)")
    for _ in range(50):
        with open(log_path, "rb") as log:
            log.seek(start)
            match = pattern.search(log.read())
        if match:
            return int(match.group(1))
        time.sleep(0.1)
    raise RuntimeError(f"no malloc_stats() output from process {pid} in {log_path}")
