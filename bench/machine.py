"""What the figures were measured on: CPU, memory and how loaded the machine was."""

import os
import platform


def _cpuinfo_field(name):
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith(name):
                return line.split(":", 1)[1].strip()
    return None


def _memory_total_bytes():
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return None


def load_average():
    """The 1, 5 and 15 minute load averages."""
    return list(os.getloadavg())


def describe():
    return {
        "nproc": os.cpu_count(),
        "cpu_model": _cpuinfo_field("model name"),
        "memory_bytes": _memory_total_bytes(),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }
