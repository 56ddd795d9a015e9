// A byte per cell marking the few cells a second pass must visit (cells that
// may have fired this step), written by a vectorised loop over all cells and
// read sixty-four cells per test, so that the second pass costs little more
// than the number of marked cells.
#ifndef SPIKESERVE_ENGINE_MARKED_CELLS_H_
#define SPIKESERVE_ENGINE_MARKED_CELLS_H_

#include <cstdint>
#include <cstring>
#include <vector>

namespace spikeserve::engine {

// Ascending order relies on the lowest address being the lowest bits.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "marks are read as little-endian words");

// Not a char type, so that the compiler knows storing a mark changes no
// other object (char stores may alias anything, which keeps loops that write
// marks from vectorising).
enum class Mark : uint8_t { kNo = 0, kYes = 1 };

// Words of eight marks covering n cells; a mark vector holds 8 * that bytes,
// the padding zero.
inline uint32_t MarkedWords(uint32_t n) { return (n + 7) / 8; }

// Calls f(i) for every i in [begin, end) with marks[i] == kYes, in ascending
// order. `begin` is a multiple of 8; marks in [end, the next multiple of 8)
// are kNo.
template <class F>
void ForEachMarked(const std::vector<Mark>& marks, uint32_t begin, uint32_t end, F&& f) {
  const uint32_t words = MarkedWords(end);
  auto visit = [&](uint32_t w, uint64_t word) {
    while (word != 0) {
      const uint32_t byte = static_cast<uint32_t>(__builtin_ctzll(word)) / 8;
      f(8 * w + byte);
      word &= word - 1;
    }
  };
  uint32_t w = begin / 8;
  // Almost every word is zero: eight at once are one vector test.
  for (; w + 8 <= words; w += 8) {
    uint64_t group[8];
    std::memcpy(group, marks.data() + 8 * w, sizeof group);
    uint64_t any = 0;
    for (uint64_t word : group) any |= word;
    if (any == 0) continue;
    for (uint32_t j = 0; j < 8; ++j) visit(w + j, group[j]);
  }
  for (; w < words; ++w) {
    uint64_t word;
    std::memcpy(&word, marks.data() + 8 * w, sizeof word);
    visit(w, word);
  }
}

}  // namespace spikeserve::engine

#endif  // SPIKESERVE_ENGINE_MARKED_CELLS_H_
