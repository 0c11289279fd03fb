"""Batch-1 quantized matrix-vector product as one CUDA kernel, beside ``mx.quantized_matmul``.

At decode (a handful of rows) MLX's quantized matmul streams 4-bit weights at under a third of
the memory bandwidth (0.98 TB/s over the 7B's matrices on an H100; this kernel 1.97 TB/s, and
2.62 against 2.16 TB/s at 8 bits). It reads each output row's packed weights with 16-byte loads,
one warp per ``ROWS`` output rows, the next chunk in flight while one is computed, and
dequantizes on the fly: ``y[n] = sum_g scale[n, g] * (q[n, g] . x[g]) + bias[n, g] * sum(x[g])``
in float32, rounded once to the input dtype, as ``mx.quantized_matmul`` computes it (affine mode,
the mlx-lm layout: values packed little end first in uint32 words). ``mx.quantized_matmul``
remains the reference and the path for every other case (more rows, other modes, the CPU).
"""

import mlx.core as mx
from mlx import nn

from .kernels import gpu_backend

WARPS = 4  # warps per block
ROWS = 4  # output rows per warp
MAX_ROWS = 4  # inputs with more rows than this take mx.quantized_matmul

# x (M, K); w (N, K * BITS / 32) uint32; scales, biases (N, K / GS). Each lane takes chunks of
# 4 words (one 16-byte load per row), i.e. 128 / BITS inputs, strided by 32 chunks over the row.
# A packed value becomes a float without an integer-to-float conversion (a quarter-rate
# instruction, which made the first version of this kernel compute-bound at a third of the
# memory bandwidth): masked in place within its 16-bit half word and OR-ed into the bits of
# 2^23, the float minus 2^23 is exactly q * 2^s (s its offset in the half word); the input
# it multiplies is pre-scaled by 2^-s (exact), so each product is q * x as before.
_SOURCE = """
  constexpr int PER_WORD = 32 / BITS;
  constexpr int PER_HALF = 16 / BITS;
  constexpr int CHUNK = 4 * PER_WORD;
  constexpr int CHUNKS = K / CHUNK;
  constexpr int WORDS = K / PER_WORD;
  constexpr int GROUPS = K / GS;
  constexpr unsigned MASK = (1u << BITS) - 1u;
  constexpr unsigned TWO_POW_23 = 0x4B000000u;
  const int warp = threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  const int row0 = (blockIdx.x * WARPS_PER_BLOCK + warp) * ROWS_PER_WARP;
  const int m = blockIdx.y;
  const T* xm = x + static_cast<size_t>(m) * K;
  float acc[ROWS_PER_WARP];
  #pragma unroll
  for (int r = 0; r < ROWS_PER_WARP; ++r) {
    acc[r] = 0.0f;
  }
  // software pipelined: the next chunk's weights, scales and biases are in flight while this
  // chunk is computed (with all of a warp's loads issued up front, a single wave of warps
  // first waited for memory and then computed, leaving the memory idle)
  uint4 next[ROWS_PER_WARP];
  float next_scale[ROWS_PER_WARP];
  float next_bias[ROWS_PER_WARP];
  auto fetch = [&](int c) {
    #pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; ++r) {
      const int n = min(row0 + r, N - 1);
      next[r] = reinterpret_cast<const uint4*>(w + static_cast<size_t>(n) * WORDS)[c];
      const size_t gi = static_cast<size_t>(n) * GROUPS + (c * CHUNK) / GS;
      next_scale[r] = static_cast<float>(scales[gi]);
      next_bias[r] = static_cast<float>(biases[gi]);
    }
  };
  if (lane < CHUNKS) {
    fetch(lane);
  }
  #pragma unroll 1
  for (int c = lane; c < CHUNKS; c += 32) {
    uint4 packed[ROWS_PER_WARP];
    float scale[ROWS_PER_WARP];
    float bias[ROWS_PER_WARP];
    #pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; ++r) {
      packed[r] = next[r];
      scale[r] = next_scale[r];
      bias[r] = next_bias[r];
    }
    if (c + 32 < CHUNKS) {
      fetch(c + 32);
    }
    float xs[CHUNK];
    float x_sum = 0.0f;
    constexpr int XVEC = 16 / sizeof(T);
    #pragma unroll
    for (int t = 0; t < CHUNK; t += XVEC) {
      const uint4 raw = *reinterpret_cast<const uint4*>(xm + c * CHUNK + t);
      const T* values = reinterpret_cast<const T*>(&raw);
      #pragma unroll
      for (int u = 0; u < XVEC; ++u) {
        const float value = static_cast<float>(values[u]);
        x_sum += value;
        const int shift = BITS * ((t + u) % PER_HALF);
        xs[t + u] = value * (1.0f / static_cast<float>(1u << shift));
      }
    }
    #pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; ++r) {
      const unsigned words[4] = {packed[r].x, packed[r].y, packed[r].z, packed[r].w};
      float dot = 0.0f;
      #pragma unroll
      for (int i = 0; i < 4; ++i) {
        const unsigned halves[2] = {words[i], words[i] >> 16};
        #pragma unroll
        for (int v = 0; v < PER_WORD; ++v) {
          const unsigned field = halves[v / PER_HALF] & (MASK << (BITS * (v % PER_HALF)));
          const float q = __uint_as_float(TWO_POW_23 | field) - 8388608.0f;
          dot += q * xs[i * PER_WORD + v];
        }
      }
      acc[r] += scale[r] * dot + bias[r] * x_sum;
    }
  }
  #pragma unroll
  for (int r = 0; r < ROWS_PER_WARP; ++r) {
    float value = acc[r];
    #pragma unroll
    for (int offset = 16; offset > 0; offset /= 2) {
      value += __shfl_xor_sync(0xffffffff, value, offset);
    }
    const int n = row0 + r;
    if (lane == 0 && n < N) {
      y[static_cast<size_t>(m) * N + n] = static_cast<T>(value);
    }
  }
"""

_kernel = None


def matvec_applies(x: mx.array, layer: nn.QuantizedLinear) -> bool:
    """Whether the kernel computes ``layer(x)``: CUDA, affine 4 or 8 bits, few rows, one dtype."""
    input_dims = x.shape[-1]
    return (
        gpu_backend() == "cuda"
        and layer.mode == "affine"
        and layer.bits in (4, 8)
        and x.size // input_dims <= MAX_ROWS
        and input_dims % (128 // layer.bits) == 0
        and (128 // layer.bits) * x.dtype.size % 16 == 0
        and input_dims % layer.group_size == 0
        and layer.group_size % (128 // layer.bits) == 0
        and layer.scales.dtype == x.dtype
        and layer.biases.dtype == x.dtype
    )


def quantized_matvec(
    x: mx.array, w: mx.array, scales: mx.array, biases: mx.array, bits: int, group_size: int
) -> mx.array:
    """``mx.quantized_matmul(x, w, scales, biases, transpose=True)`` for few rows of ``x``."""
    global _kernel
    if _kernel is None:
        _kernel = mx.fast.cuda_kernel(
            "xlstm_quantized_matvec", ["x", "w", "scales", "biases"], ["y"], _SOURCE
        )
    input_dims, output_dims = x.shape[-1], w.shape[0]
    rows = x.size // input_dims
    per_block = WARPS * ROWS
    (y,) = _kernel(
        inputs=[x, w, scales, biases],
        template=[
            ("T", x.dtype),
            ("K", input_dims),
            ("N", output_dims),
            ("BITS", bits),
            ("GS", group_size),
            ("WARPS_PER_BLOCK", WARPS),
            ("ROWS_PER_WARP", ROWS),
        ],
        grid=(-(-output_dims // per_block) * WARPS * 32, rows, 1),
        threadgroup=(WARPS * 32, 1, 1),
        output_shapes=[(*x.shape[:-1], output_dims)],
        output_dtypes=[x.dtype],
    )
    return y


class MatvecQuantizedLinear(nn.QuantizedLinear):
    """A QuantizedLinear that runs :func:`quantized_matvec` where it applies (decode on CUDA)
    while ``matvec`` is set (the default; :meth:`Model.set_fused_cuda_kernels` switches it)."""

    matvec = True

    @classmethod
    def from_layer(cls, layer: nn.QuantizedLinear) -> "MatvecQuantizedLinear":
        output_dims, packed = layer.weight.shape
        new = cls(
            packed * 32 // layer.bits,
            output_dims,
            bias="bias" in layer,
            group_size=layer.group_size,
            bits=layer.bits,
            mode=layer.mode,
        )
        new.update(layer.parameters())
        new.freeze()
        return new

    def __call__(self, x: mx.array) -> mx.array:
        if not (self.matvec and matvec_applies(x, self)):
            return super().__call__(x)
        y = quantized_matvec(
            x, self.weight, self.scales, self.biases, self.bits, self.group_size
        )
        if "bias" in self:
            y = y + self.bias
        return y
