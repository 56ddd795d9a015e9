// Large heap arrays (synapses, ring buffers, cell state, connector output)
// in 2 MiB pages instead of 4 KiB ones: a network is built with 512 times
// fewer page faults, and delivery's scattered writes into the ring buffers
// miss the TLB far less (bench/RESULTS.md has the figures).
//
// Where the kernel gives transparent huge pages only on request (the
// "madvise" setting, Debian's default), glibc (2.35 and later) requests them
// for its heap when the tunable glibc.malloc.hugetlb=1 is set, and tunables
// are read only when a process starts. So a program that embeds the engine
// calls ReexecWithHugePages first thing in main(): it sets the tunable and
// executes the same binary again, once. A GLIBC_TUNABLES that already names
// glibc.malloc.hugetlb (for instance =0, to opt out) is left as it is.
#ifndef SPIKESERVE_ENGINE_HUGE_PAGES_H_
#define SPIKESERVE_ENGINE_HUGE_PAGES_H_

namespace spikeserve::engine {

// Returns only when no re-execution is needed, or it failed (then the
// program runs on with small pages).
void ReexecWithHugePages(char** argv);

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_HUGE_PAGES_H_
