// matmul_tile128 (cube): C[t] = A[t] . B[t] for `tiles` consecutive row-major 128x128 float32
// tiles (each tile 16384 floats, tile t at element offset t * 16384 of every tensor).
// args: [0] A, [1] B, [2] C (device addresses), [3] tiles (u64)
#include <npurun/sim_kernel.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace {

constexpr std::size_t kTile = 128;
constexpr std::size_t kTileElems = kTile * kTile;

// i-k-j order: the inner loop streams one row of B into one accumulator row, so it vectorizes and
// never strides through memory. The accumulator row stays in registers/L1 and is stored once,
// the way the cube unit accumulates in L0C and writes back with one store per tile row.
void matmulTile(const float* a, const float* b, float* c) {
  for (std::size_t i = 0; i < kTile; ++i) {
    float acc[kTile] = {};
    const float* aRow = a + i * kTile;
    for (std::size_t k = 0; k < kTile; ++k) {
      const float aik = aRow[k];
      const float* bRow = b + k * kTile;
      for (std::size_t j = 0; j < kTile; ++j) acc[j] += aik * bRow[j];
    }
    std::memcpy(c + i * kTile, acc, sizeof acc);
  }
}

}  // namespace

NPURUN_DEVICE_PROGRAM;

NPURUN_KERNEL(matmul_tile128) {
  (void)ctx;
  const float* a = reinterpret_cast<const float*>(args[0]);
  const float* b = reinterpret_cast<const float*>(args[1]);
  float* c = reinterpret_cast<float*>(args[2]);
  const uint64_t tiles = args[3];
  for (uint64_t t = 0; t < tiles; ++t) matmulTile(a + t * kTileElems, b + t * kTileElems, c + t * kTileElems);
}
