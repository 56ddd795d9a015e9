"""Freed heap memory kept for reuse while bulk data streams in.

grpcio hands every received message to Python as a new bytes object of up to
a few MB, which is freed as soon as its values are copied into their array.
With glibc's default thresholds each such free hands the memory back to the
kernel (the top of the heap is trimmed beyond twice the largest freed block),
and the next message faults it in again page by page: retrieving a 320 MB
recording spent about 0.5 s of system time there, most of the retrieval. With
the thresholds below, blocks up to MMAP_THRESHOLD come from the heap and up to
TRIM_THRESHOLD of freed memory at its top is kept for the next allocation.

Set SPIKESERVE_TUNE_MALLOC=0 to leave the process's allocator untouched.
"""

import ctypes
import os

TUNE_VARIABLE = "SPIKESERVE_TUNE_MALLOC"
MMAP_THRESHOLD = 32 << 20  # glibc's own upper limit for its dynamic threshold
TRIM_THRESHOLD = 128 << 20
# mallopt parameters (<malloc.h>)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

_tuned = False


def keep_freed_memory():
    """Sets glibc's mmap and trim thresholds once per process; returns whether
    they are set (False off glibc, or when SPIKESERVE_TUNE_MALLOC=0)."""
    global _tuned
    if _tuned or os.environ.get(TUNE_VARIABLE, "1") == "0":
        return _tuned
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    _tuned = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
        bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _tuned
