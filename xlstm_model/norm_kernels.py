"""The decode step's norms as single CUDA kernels, beside their pure-MLX references.

* :func:`residual_rms_norm`: ``x + delta`` (the residual add) and ``RMSNorm(x + delta)`` in one
  launch, for :class:`~xlstm_model.model.RMSNorm` with its float32 reduction;
* :func:`head_norm_gate`: :class:`~xlstm_model.model.MultiHeadLayerNorm` over each head of the
  step's output and the output gate ``sigmoid(o) * norm(h)`` in one launch.

Each reproduces its module's roundings (the reduction and normalisation in float32, the cast
back to the input dtype, then the weight multiply and the gate in that dtype, the sigmoid
rounded step by step as ``mx.sigmoid`` does on CUDA); only the summation order differs.
Under ``mx.compile`` the modules take three to five kernels each.
The pure-MLX modules stay the reference, the CPU path and the path on Apple GPUs.
"""

import mlx.core as mx

from .kernels import gpu_backend, largest_power_of_two_dividing

MAX_THREADS = 256  # threads per row (residual_rms_norm) or per head (head_norm_gate)

_BLOCK_SUM = """
#include <cuda/std/cmath>

// mx.sigmoid as MLX's CUDA backend computes it, rounding to T after each operation:
// 1 / (1 + exp(|x|)), mirrored for x >= 0 (exp in T is hexp for bfloat16 and float16).
template <typename T>
__device__ T sigmoid_as_mlx(T x) {
  const T exp_abs = cuda::std::exp(cuda::std::abs(x));
  const T tail = static_cast<T>(1.0f / static_cast<float>(static_cast<T>(1.0f + static_cast<float>(exp_abs))));
  return static_cast<float>(x) < 0.0f ? tail : static_cast<T>(1.0f - static_cast<float>(tail));
}

template <int THREADS_PER_BLOCK>
__device__ float block_sum(float value, float* scratch) {
  #pragma unroll
  for (int offset = 16; offset > 0; offset /= 2) {
    value += __shfl_xor_sync(0xffffffff, value, offset);
  }
  const int warp = threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  __syncthreads();
  if (lane == 0) {
    scratch[warp] = value;
  }
  __syncthreads();
  float total = 0.0f;
  #pragma unroll
  for (int w = 0; w < THREADS_PER_BLOCK / 32; ++w) {
    total += scratch[w];
  }
  return total;
}
"""

# x, delta: (rows, D); weight (D,); params = [eps]. Outputs the sum x + delta (rounded to T, as
# the residual add does) and its RMSNorm.
_RMS_SOURCE = """
  constexpr int PER = D / TPB;
  __shared__ float scratch[TPB / 32];
  const size_t base = static_cast<size_t>(blockIdx.x) * D;
  float values[PER];
  float squares = 0.0f;
  #pragma unroll
  for (int p = 0; p < PER; ++p) {
    const size_t at = base + p * TPB + threadIdx.x;
    float value = static_cast<float>(x[at]);
    ADD_DELTA
    values[p] = value;
    squares += value * value;
  }
  const float inv_rms = rsqrtf(block_sum<TPB>(squares, scratch) / D + params[0]);
  #pragma unroll
  for (int p = 0; p < PER; ++p) {
    const int col = p * TPB + threadIdx.x;
    const float normed = static_cast<float>(static_cast<T>(values[p] * inv_rms));
    T out = static_cast<T>(normed * static_cast<float>(weight[col]));
    ADD_BIAS(out)
    y[base + col] = out;
  }
"""

# h: (B, H * DV) the step's output; proj: (B, PROJ_STRIDE) holding the output-gate
# pre-activations at O_OFF; weight (H * DV,); params = [eps]. One block per (head, batch row).
_HEAD_SOURCE = """
  constexpr int PER = DV / TPB;
  __shared__ float scratch[TPB / 32];
  const int head = blockIdx.x;
  const int b = blockIdx.y;
  const size_t base = static_cast<size_t>(b) * H * DV + head * DV;
  float values[PER];
  float total = 0.0f;
  #pragma unroll
  for (int p = 0; p < PER; ++p) {
    values[p] = static_cast<float>(h[base + p * TPB + threadIdx.x]);
    total += values[p];
  }
  const float mean = block_sum<TPB>(total, scratch) / DV;
  float deviations = 0.0f;
  #pragma unroll
  for (int p = 0; p < PER; ++p) {
    values[p] -= mean;
    deviations += values[p] * values[p];
  }
  const float inv_std = rsqrtf(block_sum<TPB>(deviations, scratch) / DV + params[0]);
  const T* o = proj + static_cast<size_t>(b) * PROJ_STRIDE + O_OFF;
  #pragma unroll
  for (int p = 0; p < PER; ++p) {
    const int col = head * DV + p * TPB + threadIdx.x;
    const float normed = static_cast<float>(static_cast<T>(values[p] * inv_std));
    T scaled = static_cast<T>(normed * static_cast<float>(weight[col]));
    ADD_BIAS(scaled)
    const float gate = static_cast<float>(sigmoid_as_mlx(o[col]));
    out[static_cast<size_t>(b) * H * DV + col] = static_cast<T>(gate * static_cast<float>(scaled));
  }
"""

# The optional inputs exist in the generated signature only when passed, so the lines that
# read them are spliced in (a discarded `if constexpr` branch must still name real variables).
_ADD_DELTA = """const T sum = static_cast<T>(value + static_cast<float>(delta[at]));
    x_out[at] = sum;
    value = static_cast<float>(sum);"""
_ADD_BIAS = "{0} = static_cast<T>(static_cast<float>({0}) + static_cast<float>(bias[col]));"

_kernels: dict[str, object] = {}


def _kernel(
    name: str, source: str, inputs: list[str], outputs: list[str], delta: bool, bias: bool
):
    name = f"{name}_{int(delta)}{int(bias)}"
    if name not in _kernels:
        source = source.replace("ADD_DELTA", _ADD_DELTA if delta else "")
        for target in ("out", "scaled"):
            source = source.replace(
                f"ADD_BIAS({target})", _ADD_BIAS.format(target) if bias else ""
            )
        _kernels[name] = mx.fast.cuda_kernel(
            name, inputs, outputs, source, header=_BLOCK_SUM
        )
    return _kernels[name]


def threads_for(width: int) -> int:
    """Threads per normalised row: the largest power of two up to MAX_THREADS dividing ``width``."""
    return largest_power_of_two_dividing(width, MAX_THREADS)


def norm_kernels_apply(norm, x: mx.array, width: int) -> bool:
    """Whether the CUDA kernels reproduce ``norm`` (an RMSNorm or MultiHeadLayerNorm) over rows
    of ``width`` elements of ``x``: CUDA, float32 reduction, one dtype, whole warps per row."""
    return (
        gpu_backend() == "cuda"
        and norm.force_float32
        and norm.weight.dtype == x.dtype
        and ("bias" not in norm or norm.bias.dtype == x.dtype)
        and threads_for(width) >= 32
    )


def residual_rms_norm(
    x: mx.array, delta: mx.array | None, norm
) -> tuple[mx.array, mx.array]:
    """``(x + delta, norm(x + delta))`` (``delta`` None: ``(x, norm(x))``) for an RMSNorm ``norm``."""
    dims = x.shape[-1]
    has_delta, has_bias = delta is not None, "bias" in norm
    names = ["x"] + (["delta"] if has_delta else []) + ["weight"]
    names += (["bias"] if has_bias else []) + ["params"]
    inputs = [x] + ([delta] if has_delta else []) + [norm.weight]
    inputs += ([norm.bias] if has_bias else []) + [mx.array([norm.eps], mx.float32)]
    outputs = (["x_out"] if has_delta else []) + ["y"]
    rows, threads = x.size // dims, threads_for(dims)
    kernel = _kernel(
        "xlstm_residual_rms_norm", _RMS_SOURCE, names, outputs, has_delta, has_bias
    )
    results = kernel(
        inputs=inputs,
        template=[("T", x.dtype), ("D", dims), ("TPB", threads)],
        grid=(rows * threads, 1, 1),
        threadgroup=(threads, 1, 1),
        output_shapes=[x.shape] * len(outputs),
        output_dtypes=[x.dtype] * len(outputs),
    )
    if has_delta:
        return results[0], results[1]
    return x, results[0]


def head_norm_gate(
    h: mx.array, proj: mx.array, o_offset: int, norm, num_heads: int
) -> mx.array:
    """``sigmoid(o) * norm(h)`` for ``h (B, H, DV)``; ``o`` is ``proj (B, P)[:, o_offset:][:, :H*DV]``."""
    batch, _, v_dim = h.shape
    threads = threads_for(v_dim)
    has_bias = "bias" in norm
    names = ["h", "proj", "weight"] + (["bias"] if has_bias else []) + ["params"]
    inputs = [h, proj, norm.weight] + ([norm.bias] if has_bias else [])
    inputs.append(mx.array([norm.eps], mx.float32))
    kernel = _kernel("xlstm_head_norm_gate", _HEAD_SOURCE, names, ["out"], False, has_bias)
    return kernel(
        inputs=inputs,
        template=[
            ("T", h.dtype),
            ("H", num_heads),
            ("DV", v_dim),
            ("TPB", threads),
            ("PROJ_STRIDE", proj.shape[-1]),
            ("O_OFF", o_offset),
        ],
        grid=(num_heads * threads, batch, 1),
        threadgroup=(threads, 1, 1),
        output_shapes=[(batch, num_heads * v_dim)],
        output_dtypes=[h.dtype],
    )[0]
