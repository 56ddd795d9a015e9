// Hot loops compiled three times, for the x86-64 baseline (SSE2: two doubles
// per instruction), x86-64-v3 (AVX2 and FMA: four) and x86-64-v4 (AVX-512:
// eight, mask registers instead of blends, 32 vector registers), the right
// one picked once at load time (GCC function multi-versioning through an
// ifunc). One binary then runs on any x86-64 machine, including the ones a
// container image moves to, and uses the wide units where they exist.
// (The v4 clone halved the COBA cell update on an AVX-512 machine against v3;
// bench/RESULTS.md.)
#ifndef SPIKESERVE_ENGINE_VECTOR_CLONES_H_
#define SPIKESERVE_ENGINE_VECTOR_CLONES_H_

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SPIKESERVE_VECTOR_CLONES [[gnu::target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")]]
#else
#define SPIKESERVE_VECTOR_CLONES
#endif

#endif  // SPIKESERVE_ENGINE_VECTOR_CLONES_H_
