"""Memory the engine frees is given back to the system (:func:`.highs.release_freed_memory`)."""

import sys
import threading

import numpy as np
import pytest

from matching.engine import highs


def _resident_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; glibc's malloc_trim")
def test_memory_freed_in_a_worker_thread_is_given_back():
    # As HiGHS does in the threads that run it: many allocations below glibc's mmap threshold,
    # in the thread's own arena, half of them then freed. The freed ones lie between blocks
    # still in use, so glibc keeps their pages until trimmed.
    kept = []

    def allocate_and_free_half():
        blocks = [np.ones(12_000) for _ in range(4_000)]  # 96 KB each, 384 MB in all
        kept.extend(blocks[1::2])
        del blocks

    assert highs._trim is not None  # glibc, as on every machine the engine runs on
    worker = threading.Thread(target=allocate_and_free_half)
    worker.start()
    worker.join()
    before = _resident_mb()
    highs.release_freed_memory()
    after = _resident_mb()
    assert before - after > 100, (before, after)  # of the 192 MB freed
    assert len(kept) == 2_000
