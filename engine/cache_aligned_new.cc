// Replaces the global operator new and delete of a binary that links this
// library (the server, the engine benchmarks): every allocation of at least
// 4 KiB starts on a 64-byte cache line.
//
// glibc aligns to 16 bytes, and its large blocks begin 16 bytes into a page.
// The engine's per-cell columns (std::vector) then began 16 bytes into a
// cache line, so that every 64-byte (AVX-512) load and store of the cell
// update straddled two lines. Aligned, Vogels-Abbott at 100,000 cells ran
// about 10 % faster on one thread (bench/RESULTS.md, session 10). Smaller
// blocks keep glibc's alignment and cost: they are not the columns that
// loops stream through, and the padding would weigh on them.
//
// Everything is allocated with malloc or aligned_alloc, so delete is free()
// for both, and memory from either may be released by code that calls free.
#include <cstddef>
#include <cstdlib>
#include <new>

namespace {

constexpr std::size_t kCacheLine = 64;
constexpr std::size_t kAlignedFrom = 4096;

void* TryAllocate(std::size_t bytes) {
  if (bytes < kAlignedFrom) return std::malloc(bytes == 0 ? 1 : bytes);
  // aligned_alloc wants a multiple of the alignment.
  return std::aligned_alloc(kCacheLine, (bytes + kCacheLine - 1) / kCacheLine * kCacheLine);
}

// operator new's contract: call the new-handler until the allocation
// succeeds, or throw std::bad_alloc when there is none.
void* Allocate(std::size_t bytes) {
  for (;;) {
    if (void* p = TryAllocate(bytes)) return p;
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}

void* AllocateNoThrow(std::size_t bytes) noexcept {
  try {
    return Allocate(bytes);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}

}  // namespace

void* operator new(std::size_t bytes) { return Allocate(bytes); }
void* operator new[](std::size_t bytes) { return Allocate(bytes); }
void* operator new(std::size_t bytes, const std::nothrow_t&) noexcept {
  return AllocateNoThrow(bytes);
}
void* operator new[](std::size_t bytes, const std::nothrow_t&) noexcept {
  return AllocateNoThrow(bytes);
}

void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
