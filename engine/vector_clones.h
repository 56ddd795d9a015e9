// Hot loops compiled twice, for the x86-64 baseline (SSE2: two doubles per
// instruction) and for x86-64-v3 (AVX2 and FMA: four), the right one picked
// once at load time (GCC function multi-versioning through an ifunc). One
// binary then runs on any x86-64 machine, including the ones a container
// image moves to, and uses the wide units where they exist.
#ifndef SPIKESERVE_ENGINE_VECTOR_CLONES_H_
#define SPIKESERVE_ENGINE_VECTOR_CLONES_H_

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SPIKESERVE_VECTOR_CLONES [[gnu::target_clones("default", "arch=x86-64-v3")]]
#else
#define SPIKESERVE_VECTOR_CLONES
#endif

#endif  // SPIKESERVE_ENGINE_VECTOR_CLONES_H_
