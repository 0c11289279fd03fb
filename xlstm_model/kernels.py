"""The mLSTM decode step and its gates as one GPU kernel (CUDA or Metal).

One launch per block does what the pure-MLX :func:`~xlstm_model.mlstm.mlstm_recurrent_step`
does in about twenty: the gate soft cap, log-sigmoid, max stabiliser and exponentials (float32),
the state update ``C' = f C + i k v^T``, ``N' = f N + i k`` and the normalised readout
``h = q C' / (max(|q N'|, exp(-m')) + eps)``. It reads q, k, v and the gate pre-activations
straight out of the fused projection's output row, so no split or transpose is materialised.

Thread layout: one thread per (value column j, slice of the key rows, batch x head); the
``DSPLIT`` slices of a column share a threadgroup and reduce ``q C'`` through shared memory.
Each thread holds its rows of C in registers: at most 8 with up to 32 slices, so key heads up
to 256 wide (the 7B's) take the kernel and wider ones the pure-MLX step.
All gate and state arithmetic is float32 whatever the kernel dtype: the pure-MLX step remains
the reference, the CPU path and the fallback for shapes the kernel does not cover.
"""

import mlx.core as mx

COLUMNS_PER_GROUP = 32  # one warp (CUDA) / SIMD group (Metal) per row slice
MAX_ROW_SLICES = 32  # threadgroups of up to 32 x 32 threads
MAX_ROWS_PER_THREAD = 8  # rows of C per thread, in registers (as run on the H100)

# Each thread first issues every load it needs (its ROWS values of C, a compile-time-unrolled
# register array, and its q, k, n, v and gate values), then computes and stores: with one load
# of C in flight per thread the step ran at a tenth of the memory bandwidth. It still runs at
# 0.35 TB/s on an H100 (23.8 us a block in a chain of 32), for a reason not yet found: loading
# q, k and the gates once per block through shared memory did not change it. N and the q.N'
# partial sums are spread over the warp's lanes (one row of the slice each) and reduced with
# shuffles.
_CUDA_SOURCE = """
    constexpr int ROWS = DQK / DSPLIT;
    __shared__ float num_part[DSPLIT][TJ];
    __shared__ float den_part[DSPLIT];
    const int tx = threadIdx.x;
    const int slice = threadIdx.y;
    const int j = blockIdx.x * TJ + tx;
    const int bh = blockIdx.z;
    const int b = bh / H;
    const int head = bh - b * H;
    const T* q = proj + b * PROJ_STRIDE + Q_OFF + head * DQK + slice * ROWS;
    const T* k = proj + b * PROJ_STRIDE + K_OFF + head * DQK + slice * ROWS;
    const T* v = proj + b * PROJ_STRIDE + V_OFF + head * DV;
    const T* g = gates + b * GATE_STRIDE;
    const size_t c_base = (static_cast<size_t>(bh) * DQK + slice * ROWS) * DV + j;
    float c_old[ROWS];
    #pragma unroll
    for (int r = 0; r < ROWS; ++r) {
      c_old[r] = static_cast<float>(c[c_base + static_cast<size_t>(r) * DV]);
    }
    float q_rows[ROWS];
    float k_rows[ROWS];
    #pragma unroll
    for (int r = 0; r < ROWS; ++r) {
      q_rows[r] = static_cast<float>(q[r]);
      k_rows[r] = static_cast<float>(k[r]);
    }
    const bool n_lane = tx < ROWS;
    const int d = bh * DQK + slice * ROWS + tx;
    const float n_old = n_lane ? static_cast<float>(n[d]) : 0.0f;
    const float q_n = n_lane ? static_cast<float>(q[tx]) : 0.0f;
    const float k_n = n_lane ? static_cast<float>(k[tx]) : 0.0f;
    const float vj = static_cast<float>(v[j]);
    float i_pre = static_cast<float>(g[I_OFF + head]);
    float f_pre = static_cast<float>(g[F_OFF + head]);
    const float m_old = static_cast<float>(m[bh]);
    const float eps = params[0];
    const float cap = params[1];
    if (cap > 0.0f) {
      i_pre = cap * tanhf(i_pre / cap);
      f_pre = cap * tanhf(f_pre / cap);
    }
    const float f_log = fminf(f_pre, 0.0f) - log1pf(expf(-fabsf(f_pre)));
    const float m_new = fmaxf(f_log + m_old, i_pre);
    const float f_act = expf(f_log + m_old - m_new);
    const float i_act = expf(i_pre - m_new);
    const float scale = rsqrtf(static_cast<float>(DQK));
    float num = 0.0f;
    #pragma unroll
    for (int r = 0; r < ROWS; ++r) {
      const float c_new = f_act * c_old[r] + i_act * (k_rows[r] * vj);
      c_out[c_base + static_cast<size_t>(r) * DV] = static_cast<S>(c_new);
      num += q_rows[r] * scale * c_new;
    }
    float den = 0.0f;
    if (n_lane) {
      const float n_new = f_act * n_old + i_act * k_n;
      if (blockIdx.x == 0) {
        n_out[d] = static_cast<S>(n_new);
      }
      den = q_n * scale * n_new;
    }
    #pragma unroll
    for (int offset = TJ / 2; offset > 0; offset /= 2) {
      den += __shfl_xor_sync(0xffffffff, den, offset);
    }
    num_part[slice][tx] = num;
    if (tx == 0) {
      den_part[slice] = den;
    }
    __syncthreads();
    if (slice == 0) {
      float num_total = 0.0f;
      float den_total = 0.0f;
      #pragma unroll
      for (int s = 0; s < DSPLIT; ++s) {
        num_total += num_part[s][tx];
        den_total += den_part[s];
      }
      const float denom = fmaxf(fabsf(den_total), expf(-m_new)) + eps;
      h[bh * DV + j] = static_cast<T>(num_total / denom);
      if (j == 0) {
        m_out[bh] = static_cast<S>(m_new);
      }
    }
"""

_METAL_SOURCE = """
    constexpr int ROWS = DQK / DSPLIT;
    threadgroup float num_part[DSPLIT][TJ];
    threadgroup float den_part[DSPLIT];
    const int tx = thread_position_in_threadgroup.x;
    const int slice = thread_position_in_threadgroup.y;
    const int j = threadgroup_position_in_grid.x * TJ + tx;
    const int bh = threadgroup_position_in_grid.z;
    const int b = bh / H;
    const int head = bh - b * H;
    const int q0 = b * PROJ_STRIDE + Q_OFF + head * DQK + slice * ROWS;
    const int k0 = b * PROJ_STRIDE + K_OFF + head * DQK + slice * ROWS;
    const int v0 = b * PROJ_STRIDE + V_OFF + head * DV;
    const int g0 = b * GATE_STRIDE;
    const size_t c_base = (static_cast<size_t>(bh) * DQK + slice * ROWS) * DV + j;
    float c_old[ROWS];
    for (int r = 0; r < ROWS; ++r) {
      c_old[r] = static_cast<float>(c[c_base + static_cast<size_t>(r) * DV]);
    }
    const float eps = params[0];
    const float cap = params[1];
    float i_pre = static_cast<float>(gates[g0 + I_OFF + head]);
    float f_pre = static_cast<float>(gates[g0 + F_OFF + head]);
    if (cap > 0.0f) {
      i_pre = cap * metal::precise::tanh(i_pre / cap);
      f_pre = cap * metal::precise::tanh(f_pre / cap);
    }
    const float f_log = metal::min(f_pre, 0.0f)
        - metal::precise::log(1.0f + metal::precise::exp(-metal::abs(f_pre)));
    const float m_old = static_cast<float>(m[bh]);
    const float m_new = metal::max(f_log + m_old, i_pre);
    const float f_act = metal::precise::exp(f_log + m_old - m_new);
    const float i_act = metal::precise::exp(i_pre - m_new);
    const float scale = metal::precise::rsqrt(static_cast<float>(DQK));
    const float vj = static_cast<float>(proj[v0 + j]);
    float num = 0.0f;
    for (int r = 0; r < ROWS; ++r) {
      const float c_new = f_act * c_old[r] + i_act * (static_cast<float>(proj[k0 + r]) * vj);
      c_out[c_base + static_cast<size_t>(r) * DV] = static_cast<S>(c_new);
      num += static_cast<float>(proj[q0 + r]) * scale * c_new;
    }
    float den = 0.0f;
    for (int r = tx; r < ROWS; r += TJ) {
      const int d = bh * DQK + slice * ROWS + r;
      const float n_new = f_act * static_cast<float>(n[d]) + i_act * static_cast<float>(proj[k0 + r]);
      if (threadgroup_position_in_grid.x == 0) {
        n_out[d] = static_cast<S>(n_new);
      }
      den += static_cast<float>(proj[q0 + r]) * scale * n_new;
    }
    den = metal::simd_sum(den);
    num_part[slice][tx] = num;
    if (tx == 0) {
      den_part[slice] = den;
    }
    threadgroup_barrier(metal::mem_flags::mem_threadgroup);
    if (slice == 0) {
      float num_total = 0.0f;
      float den_total = 0.0f;
      for (int s = 0; s < DSPLIT; ++s) {
        num_total += num_part[s][tx];
        den_total += den_part[s];
      }
      const float denom = metal::max(metal::abs(den_total), metal::precise::exp(-m_new)) + eps;
      h[bh * DV + j] = static_cast<T>(num_total / denom);
      if (j == 0) {
        m_out[bh] = static_cast<S>(m_new);
      }
    }
"""

_INPUTS = ["proj", "gates", "c", "n", "m", "params"]
_OUTPUTS = ["h", "c_out", "n_out", "m_out"]
_kernel = None


def gpu_backend() -> str | None:
    """``"cuda"`` or ``"metal"`` when the default device is a GPU with that backend, else None."""
    if mx.default_device().type != mx.DeviceType.gpu:
        return None
    if mx.cuda.is_available():
        return "cuda"
    if mx.metal.is_available():
        return "metal"
    return None


def largest_power_of_two_dividing(size: int, limit: int) -> int:
    """The largest power of two up to ``limit`` (itself a power of two) that divides ``size``."""
    divisor = limit
    while size % divisor:
        divisor //= 2
    return divisor


def row_slices(qk_head_dim: int) -> int:
    """The most slices (a power of two up to :data:`MAX_ROW_SLICES`) that split the key rows evenly."""
    return largest_power_of_two_dividing(qk_head_dim, MAX_ROW_SLICES)


def step_kernel_supports(qk_head_dim: int, v_head_dim: int) -> bool:
    """Whether the kernel's thread layout covers these head sizes on the current device."""
    return (
        gpu_backend() is not None
        and v_head_dim % COLUMNS_PER_GROUP == 0
        and qk_head_dim // row_slices(qk_head_dim) <= MAX_ROWS_PER_THREAD
    )


def _step_kernel():
    global _kernel
    if _kernel is None:
        if gpu_backend() == "cuda":
            _kernel = mx.fast.cuda_kernel(
                "xlstm_mlstm_step", _INPUTS, _OUTPUTS, _CUDA_SOURCE
            )
        else:
            _kernel = mx.fast.metal_kernel(
                "xlstm_mlstm_step", _INPUTS, _OUTPUTS, _METAL_SOURCE
            )
    return _kernel


def mlstm_step_kernel(
    proj: mx.array,
    gates: mx.array,
    offsets: dict[str, int],
    state: tuple[mx.array, mx.array, mx.array],
    eps: float,
    gate_soft_cap: float | None,
) -> tuple[mx.array, tuple[mx.array, mx.array, mx.array]]:
    """One decode step of every head from projection rows.

    ``proj (B, P)`` holds q, k and v at ``offsets["q"|"k"|"v"]``; ``gates (B, G)`` the input and
    forget gate pre-activations (before the soft cap) at ``offsets["i"|"f"]`` (it may be ``proj``
    itself). ``state`` is ``C (B, H, Dqk, Dv)``, ``N (B, H, Dqk)``, ``M (B, H, 1)``. Returns
    ``h (B, H, Dv)`` in ``proj.dtype`` and the new state in the state dtype.
    """
    c, n, m = state
    batch, heads, qk_dim, v_dim = c.shape
    slices = row_slices(qk_dim)
    params = mx.array([eps, gate_soft_cap or 0.0], dtype=mx.float32)
    h, c_new, n_new, m_new = _step_kernel()(
        inputs=[proj, gates, c, n, m, params],
        template=[
            ("T", proj.dtype),
            ("S", c.dtype),
            ("H", heads),
            ("DQK", qk_dim),
            ("DV", v_dim),
            ("DSPLIT", slices),
            ("TJ", COLUMNS_PER_GROUP),
            ("PROJ_STRIDE", proj.shape[-1]),
            ("Q_OFF", offsets["q"]),
            ("K_OFF", offsets["k"]),
            ("V_OFF", offsets["v"]),
            ("GATE_STRIDE", gates.shape[-1]),
            ("I_OFF", offsets["i"]),
            ("F_OFF", offsets["f"]),
        ],
        grid=(v_dim, slices, batch * heads),
        threadgroup=(COLUMNS_PER_GROUP, slices, 1),
        output_shapes=[(batch, heads, v_dim), c.shape, n.shape, m.shape],
        output_dtypes=[proj.dtype, c.dtype, n.dtype, m.dtype],
    )
    return h, (c_new, n_new, m_new)
