"""xLSTM (xLSTM-7B architecture) in MLX, mirroring transformers' ``models/xlstm``.

Module and parameter names match the Hugging Face checkpoint
(``backbone.blocks.{i}.mlstm_layer.q.weight`` ...), so its safetensors load
without renaming.
"""

import inspect
from dataclasses import dataclass

import mlx.core as mx
from mlx import nn
from mlx.utils import tree_unflatten

from .cache import XLSTMCache
from .kernels import mlstm_step_kernel, step_kernel_supports
from .mlstm import MLSTMState, init_state, mlstm_chunkwise, mlstm_recurrent_step
from .norm_kernels import head_norm_gate, norm_kernels_apply, residual_rms_norm
from .quant_kernels import MatvecQuantizedLinear

DTYPES = {"float32": mx.float32, "bfloat16": mx.bfloat16, "float16": mx.float16}


def parse_dtype(name: str, key: str = "dtype") -> mx.Dtype:
    """Map a dtype string to an MLX dtype, raising ValueError naming ``key`` if unknown."""
    if name not in DTYPES:
        raise ValueError(
            f"unknown dtype {name!r} for {key}; expected one of {', '.join(DTYPES)}"
        )
    return DTYPES[name]


def round_up_to_next_multiple_of(x: float, multiple_of: int) -> int:
    return int(((x + multiple_of - 1) // multiple_of) * multiple_of)


@dataclass
class ModelArgs:
    """Model hyper-parameters; field names follow the Hugging Face ``config.json``."""

    model_type: str = "xlstm"
    vocab_size: int = 50304
    hidden_size: int = 4096
    num_hidden_layers: int = 32
    num_heads: int = 8
    use_bias: bool = False
    norm_reduction_force_float32: bool = True
    tie_word_embeddings: bool = False
    add_out_norm: bool = True
    norm_eps: float = 1e-6
    qk_dim_factor: float = 0.5
    v_dim_factor: float = 1.0
    chunk_size: int = 64
    autocast_kernel_dtype: str = "bfloat16"
    eps: float = 1e-6
    inference_state_dtype: str = "float32"
    ffn_proj_factor: float = 2.667
    ffn_round_up_to_multiple_of: int = 64
    gate_soft_cap: float | None = 15.0
    output_logit_soft_cap: float | None = 30.0
    weight_mode: str = "single"
    torch_dtype: str = "float32"
    bos_token_id: int | None = 0
    eos_token_id: int | list[int] | None = 2
    pad_token_id: int | None = 1
    nan_check: bool = False
    quantization: dict | None = None

    @classmethod
    def from_dict(cls, params: dict) -> "ModelArgs":
        """Build from a ``config.json`` dict; aliases resolved, unknown keys ignored."""
        params = dict(params)
        if params.get("hidden_size") is None and "embedding_dim" in params:
            params["hidden_size"] = params["embedding_dim"]
        if params.get("num_hidden_layers") is None and "num_blocks" in params:
            params["num_hidden_layers"] = params["num_blocks"]
        if params.get("dtype") is not None:
            params["torch_dtype"] = params["dtype"]
        if params.get("torch_dtype") is None:
            params["torch_dtype"] = "float32"
        names = inspect.signature(cls).parameters
        return cls(**{k: v for k, v in params.items() if k in names})

    def __post_init__(self):
        for key in (
            "vocab_size",
            "hidden_size",
            "num_hidden_layers",
            "num_heads",
            "chunk_size",
        ):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f"config key {key!r} must be a positive integer, got {value!r}"
                )
        for key in (
            "norm_eps",
            "eps",
            "qk_dim_factor",
            "v_dim_factor",
            "ffn_proj_factor",
        ):
            value = getattr(self, key)
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or value <= 0
            ):
                raise ValueError(
                    f"config key {key!r} must be a positive number, got {value!r}"
                )
        for key in ("gate_soft_cap", "output_logit_soft_cap"):
            value = getattr(self, key)
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or value <= 0
            ):
                raise ValueError(
                    f"config key {key!r} must be a positive number or null, got {value!r}"
                )
        for key in ("torch_dtype", "autocast_kernel_dtype", "inference_state_dtype"):
            parse_dtype(getattr(self, key), key)
        if self.weight_mode not in ("single", "fused"):
            raise ValueError(
                f"config key 'weight_mode' must be 'single' or 'fused', got {self.weight_mode!r}"
            )
        if self.quantization is not None:
            check_quantization(self.quantization)
        for key in ("qk_dim", "v_dim"):
            if getattr(self, key) % self.num_heads:
                raise ValueError(
                    f"config key 'num_heads' ({self.num_heads}) must divide {key} ({getattr(self, key)})"
                )

    @property
    def qk_dim(self) -> int:
        return int(self.hidden_size * self.qk_dim_factor)

    @property
    def v_dim(self) -> int:
        return int(self.hidden_size * self.v_dim_factor)

    @property
    def ffn_dim(self) -> int:
        return round_up_to_next_multiple_of(
            self.hidden_size * self.ffn_proj_factor, self.ffn_round_up_to_multiple_of
        )


QUANTIZATION_BITS = (2, 3, 4, 5, 6, 8)
QUANTIZATION_GROUP_SIZES = (32, 64, 128)


def check_quantization(quantization) -> None:
    """Validate an mlx-lm style ``quantization`` entry, naming the offending key."""
    if not isinstance(quantization, dict):
        raise TypeError(
            f"config key 'quantization' must be an object, got {quantization!r}"
        )
    for key, allowed in (
        ("bits", QUANTIZATION_BITS),
        ("group_size", QUANTIZATION_GROUP_SIZES),
        ("mode", ("affine",)),
    ):
        value = quantization.get(key, "affine" if key == "mode" else None)
        if value not in allowed or isinstance(value, bool):
            raise ValueError(
                f"config key 'quantization.{key}' must be one of "
                f"{', '.join(map(str, allowed))}, got {value!r}"
            )


def concat_linears(parts: list[nn.Module]) -> nn.Module | None:
    """One layer computing ``concatenate([p(x) for p in parts], -1)``; None when they can't share one matmul.

    Plain linears of one dtype concatenate their weights (absent biases become zeros);
    quantized linears of one ``bits``/``group_size``/``mode`` concatenate weights, scales
    and biases, which are all per output row.
    """
    if len(parts) == 1:
        return parts[0]
    kinds = {type(p) for p in parts}
    has_bias = any("bias" in p for p in parts)
    input_dims = parts[0].weight.shape[1]
    output_dims = sum(p.weight.shape[0] for p in parts)
    if kinds == {nn.Linear}:
        if len({p.weight.dtype for p in parts}) != 1:
            return None
        layer = nn.Linear(input_dims, output_dims, bias=has_bias)
    elif all(issubclass(kind, nn.QuantizedLinear) for kind in kinds):
        if len({(p.bits, p.group_size, p.mode) for p in parts}) != 1:
            return None
        first = parts[0]
        layer = nn.QuantizedLinear(
            first.weight.shape[1] * 32 // first.bits,
            output_dims,
            bias=has_bias,
            group_size=first.group_size,
            bits=first.bits,
            mode=first.mode,
        )
        layer.scales = mx.concatenate([p.scales for p in parts])
        if first.get("biases") is not None:
            layer.biases = mx.concatenate([p.biases for p in parts])
    else:
        return None
    layer.weight = mx.concatenate([p.weight for p in parts])
    if has_bias:
        dtype = next(p.bias.dtype for p in parts if "bias" in p)
        layer.bias = mx.concatenate(
            [
                p.bias if "bias" in p else mx.zeros((p.weight.shape[0],), dtype=dtype)
                for p in parts
            ]
        )
    return layer


def soft_cap(x: mx.array, cap: float | None) -> mx.array:
    """``cap * tanh(x / cap)``; identity when ``cap`` is None."""
    if cap is None:
        return x
    return cap * mx.tanh(x / cap)


def check_finite(x: mx.array, where: str, hint: str):
    """NaN guard: raise ValueError naming the module if ``x`` holds NaN or Inf."""
    if not mx.all(mx.isfinite(x)).item():
        raise ValueError(f"NaN/Inf detected in the output of {where}; {hint}")


class RMSNorm(nn.Module):
    def __init__(
        self, dims: int, eps: float, force_float32: bool, use_bias: bool = False
    ):
        super().__init__()
        self.weight = mx.ones((dims,))
        if use_bias:
            self.bias = mx.zeros((dims,))
        self.eps = eps
        self.force_float32 = force_float32

    def __call__(self, x: mx.array) -> mx.array:
        in_dtype = x.dtype
        if self.force_float32:
            x = x.astype(mx.float32)
        x = x * mx.rsqrt(mx.mean(mx.square(x), axis=-1, keepdims=True) + self.eps)
        x = x.astype(in_dtype) * self.weight
        if "bias" in self:
            x = x + self.bias
        return x


class MultiHeadLayerNorm(nn.Module):
    """Per-head LayerNorm over the head dimension of ``(B, S, H, D)``, output ``(B, S, H*D)``."""

    def __init__(
        self,
        num_heads: int,
        head_dim: int,
        eps: float,
        force_float32: bool,
        use_bias: bool = False,
    ):
        super().__init__()
        self.weight = mx.ones((num_heads * head_dim,))
        if use_bias:
            self.bias = mx.zeros((num_heads * head_dim,))
        self.eps = eps
        self.force_float32 = force_float32

    def __call__(self, x: mx.array) -> mx.array:
        batch, seq_len = x.shape[:2]
        in_dtype = x.dtype
        if self.force_float32:
            x = x.astype(mx.float32)
        centred = x - mx.mean(x, axis=-1, keepdims=True)
        x = centred * mx.rsqrt(mx.var(x, axis=-1, keepdims=True) + self.eps)
        x = x.astype(in_dtype).reshape(batch, seq_len, -1) * self.weight
        if "bias" in self:
            x = x + self.bias
        return x


class MLSTMBackend(nn.Module):
    """The mLSTM cell: chunkwise prefill, recurrent decode, with its dtype roles."""

    def __init__(self, args: ModelArgs):
        super().__init__()
        self.chunk_size = args.chunk_size
        self.eps = args.eps
        self.kernel_dtype = parse_dtype(
            args.autocast_kernel_dtype, "autocast_kernel_dtype"
        )
        self.state_dtype = parse_dtype(
            args.inference_state_dtype, "inference_state_dtype"
        )

    def __call__(
        self, q, k, v, i, f, state: MLSTMState | None
    ) -> tuple[mx.array, MLSTMState]:
        batch, heads, seq_len, qk_dim = q.shape
        if state is None:
            state = init_state(batch, heads, qk_dim, v.shape[-1], self.state_dtype)
        state = tuple(s.astype(self.state_dtype) for s in state)
        in_dtype = v.dtype
        q, k, v = (x.astype(self.kernel_dtype) for x in (q, k, v))
        if seq_len == 1:
            h, state = mlstm_recurrent_step(
                q[:, :, 0], k[:, :, 0], v[:, :, 0], i, f, state, self.eps
            )
            h = h[:, :, None]
        else:
            h, state = mlstm_chunkwise(q, k, v, i, f, state, self.chunk_size, self.eps)
        return h.astype(in_dtype), state


class MLSTMLayer(nn.Module):
    def __init__(self, args: ModelArgs):
        super().__init__()
        self.args = args
        self.step_kernel = True
        self.fused_cuda_kernels = True
        hidden, bias = args.hidden_size, args.use_bias
        if args.weight_mode == "single":
            self.q = nn.Linear(hidden, args.qk_dim, bias=bias)
            self.k = nn.Linear(hidden, args.qk_dim, bias=bias)
            self.v = nn.Linear(hidden, args.v_dim, bias=bias)
            self.ogate_preact = nn.Linear(hidden, args.v_dim, bias=bias)
            self.igate_preact = nn.Linear(hidden, args.num_heads, bias=True)
            self.fgate_preact = nn.Linear(hidden, args.num_heads, bias=True)
        else:
            self.qkv_opreact = nn.Linear(
                hidden, 2 * args.qk_dim + 2 * args.v_dim, bias=bias
            )
            self.ifgate_preact = nn.Linear(hidden, 2 * args.num_heads, bias=True)
        self.mlstm_backend = MLSTMBackend(args)
        self.multihead_norm = MultiHeadLayerNorm(
            args.num_heads,
            args.v_dim // args.num_heads,
            args.norm_eps,
            args.norm_reduction_force_float32,
            bias,
        )
        self.out_proj = nn.Linear(args.v_dim, hidden, bias=bias)

    def fuse_projections(self) -> None:
        """Replace the q, k, v, o-gate, i-gate and f-gate projections by one matmul.

        The columns of the fused output are q, k, v, o, then i, f. When the gates
        cannot share the matmul (unquantized gates beside quantized q/k/v/o) they
        get a second, small one.
        """
        if "projections" in self:
            return
        if self.args.weight_mode == "single":
            names = ["q", "k", "v", "ogate_preact"], ["igate_preact", "fgate_preact"]
        else:
            names = ["qkv_opreact"], ["ifgate_preact"]
        main, gates = ([self[name] for name in group] for group in names)
        whole = concat_linears(main + gates)
        if whole is not None:
            self.projections = [whole]
        else:
            main_layer, gate_layer = concat_linears(main), concat_linears(gates)
            if main_layer is None or gate_layer is None:
                return
            self.projections = [main_layer, gate_layer]
        for name in names[0] + names[1]:
            delattr(self, name)

    def _gate_offset(self) -> int:
        """Column of the input gate in the gate pre-activation array."""
        if len(self.projections) == 1:
            return 2 * self.args.qk_dim + 2 * self.args.v_dim
        return 0

    def _project(self, x: mx.array):
        """``(proj, gates)``: the fused projection output and the array holding i and f."""
        outputs = [layer(x) for layer in self.projections]
        return outputs[0], outputs[-1]

    def _use_step_kernel(self, x: mx.array) -> bool:
        args = self.args
        return (
            self.step_kernel
            and "projections" in self
            and x.shape[1] == 1
            and x.dtype == self.mlstm_backend.kernel_dtype
            and step_kernel_supports(
                args.qk_dim // args.num_heads, args.v_dim // args.num_heads
            )
        )

    def _split(self, x: mx.array):
        """q, k, v, o-gate and soft-capped i/f gate pre-activations, (B, S, .) each."""
        args = self.args
        qk, v_dim, heads = args.qk_dim, args.v_dim, args.num_heads
        if "projections" in self:
            proj, gates = self._project(x)
            q, k, v, o_preact = mx.split(
                proj[..., : 2 * qk + 2 * v_dim], [qk, 2 * qk, 2 * qk + v_dim], axis=-1
            )
            start = self._gate_offset()
            if_preact = gates[..., start : start + 2 * heads]
        elif args.weight_mode == "single":
            q, k, v, o_preact = self.q(x), self.k(x), self.v(x), self.ogate_preact(x)
            if_preact = mx.concatenate(
                [self.igate_preact(x), self.fgate_preact(x)], axis=-1
            )
        else:
            q, k, v, o_preact = mx.split(
                self.qkv_opreact(x), [qk, 2 * qk, 2 * qk + v_dim], axis=-1
            )
            if_preact = self.ifgate_preact(x)
        i_preact, f_preact = mx.split(
            soft_cap(if_preact, args.gate_soft_cap), [heads], axis=-1
        )
        return q, k, v, o_preact, i_preact, f_preact

    def _kernel_step(self, x: mx.array, state: MLSTMState | None):
        """Decode step through the fused projection and the one-kernel recurrent step (and,
        with the fused CUDA kernels on, the one-kernel head norm and output gate); returns the
        layer output and the state."""
        args = self.args
        backend = self.mlstm_backend
        batch = x.shape[0]
        proj, gates = self._project(x[:, 0])
        if state is None:
            state = init_state(
                batch,
                args.num_heads,
                args.qk_dim // args.num_heads,
                args.v_dim // args.num_heads,
                backend.state_dtype,
            )
        state = tuple(s.astype(backend.state_dtype) for s in state)
        qk, v_dim, gate_start = args.qk_dim, args.v_dim, self._gate_offset()
        offsets = {
            "q": 0,
            "k": qk,
            "v": 2 * qk,
            "i": gate_start,
            "f": gate_start + args.num_heads,
        }
        h, state = mlstm_step_kernel(
            proj, gates, offsets, state, backend.eps, args.gate_soft_cap
        )
        o_start = 2 * qk + v_dim
        if self.fused_cuda_kernels and norm_kernels_apply(
            self.multihead_norm, h, v_dim // args.num_heads
        ):
            gated = head_norm_gate(
                h, proj, o_start, self.multihead_norm, args.num_heads
            )
            return self.out_proj(gated[:, None]), state
        o_preact = proj[:, None, o_start : o_start + v_dim]
        h_norm = self.multihead_norm(h[:, None])
        return self.out_proj(mx.sigmoid(o_preact) * h_norm), state

    def __call__(self, x: mx.array, state: MLSTMState | None, block_idx: int):
        args = self.args
        batch, seq_len, _ = x.shape
        if self._use_step_kernel(x) and not args.nan_check:
            return self._kernel_step(x, state)
        q, k, v, o_preact, i_preact, f_preact = self._split(x)

        def heads(t):
            return t.reshape(batch, seq_len, args.num_heads, -1).transpose(0, 2, 1, 3)

        h, state = self.mlstm_backend(
            heads(q),
            heads(k),
            heads(v),
            i_preact.transpose(0, 2, 1),
            f_preact.transpose(0, 2, 1),
            state,
        )
        h = h.transpose(0, 2, 1, 3)
        if args.nan_check:
            check_finite(
                h,
                f"block {block_idx} mlstm_layer.mlstm_backend",
                "use state dtype float32",
            )
        h_norm = self.multihead_norm(h)
        if args.nan_check:
            check_finite(
                h_norm,
                f"block {block_idx} mlstm_layer.multihead_norm",
                "enable norm_reduction_force_float32",
            )
        return self.out_proj(mx.sigmoid(o_preact) * h_norm), state


class FeedForward(nn.Module):
    def __init__(self, args: ModelArgs):
        super().__init__()
        self.weight_mode = args.weight_mode
        self.ffn_dim = args.ffn_dim
        if args.weight_mode == "single":
            self.proj_up_gate = nn.Linear(
                args.hidden_size, args.ffn_dim, bias=args.use_bias
            )
            self.proj_up = nn.Linear(args.hidden_size, args.ffn_dim, bias=args.use_bias)
        else:
            self.proj_up_gate_z = nn.Linear(
                args.hidden_size, 2 * args.ffn_dim, bias=args.use_bias
            )
        self.proj_down = nn.Linear(args.ffn_dim, args.hidden_size, bias=args.use_bias)

    def fuse_projections(self) -> None:
        """Gate and up projections as one matmul (the ``fused`` weight layout)."""
        if self.weight_mode != "single":
            return
        fused = concat_linears([self.proj_up_gate, self.proj_up])
        if fused is None:
            return
        self.proj_up_gate_z = fused
        del self.proj_up_gate, self.proj_up
        self.weight_mode = "fused"

    def __call__(self, x: mx.array) -> mx.array:
        if self.weight_mode == "single":
            return self.proj_down(nn.silu(self.proj_up_gate(x)) * self.proj_up(x))
        gate, z = mx.split(self.proj_up_gate_z(x), [self.ffn_dim], axis=-1)
        return self.proj_down(nn.silu(gate) * z)


class XLSTMBlock(nn.Module):
    def __init__(self, args: ModelArgs, block_idx: int):
        super().__init__()
        self.args = args
        self.block_idx = block_idx
        force32 = args.norm_reduction_force_float32
        self.norm_mlstm = RMSNorm(
            args.hidden_size, args.norm_eps, force32, args.use_bias
        )
        self.mlstm_layer = MLSTMLayer(args)
        self.norm_ffn = RMSNorm(args.hidden_size, args.norm_eps, force32, args.use_bias)
        self.ffn = FeedForward(args)

    def _check(self, x: mx.array, name: str):
        if self.args.nan_check:
            check_finite(
                x,
                f"block {self.block_idx} {name}",
                "enable norm_reduction_force_float32",
            )

    def __call__(
        self, x: mx.array, state: MLSTMState | None
    ) -> tuple[mx.array, MLSTMState]:
        x_mlstm = self.norm_mlstm(x)
        self._check(x_mlstm, "norm_mlstm")
        x_mlstm, state = self.mlstm_layer(x_mlstm, state, self.block_idx)
        x = x + x_mlstm
        x_ffn = self.norm_ffn(x)
        self._check(x_ffn, "norm_ffn")
        return x + self.ffn(x_ffn), state


class XLSTMBackbone(nn.Module):
    def __init__(self, args: ModelArgs):
        super().__init__()
        self.args = args
        self.embeddings = nn.Embedding(args.vocab_size, args.hidden_size)
        self.fused_cuda_kernels = True
        self.blocks = [XLSTMBlock(args, idx) for idx in range(args.num_hidden_layers)]
        if args.add_out_norm:
            self.out_norm = RMSNorm(
                args.hidden_size, args.norm_eps, args.norm_reduction_force_float32
            )

    def __call__(self, inputs: mx.array, cache: XLSTMCache | None) -> mx.array:
        x = self.embeddings(inputs)
        if self._use_norm_kernels(x):
            return self._decode_with_norm_kernels(x, cache)
        for idx, block in enumerate(self.blocks):
            x, state = block(x, cache[idx] if cache is not None else None)
            if cache is not None:
                cache[idx] = state
        if cache is not None:
            cache.offset += inputs.shape[1]
        if self.args.add_out_norm:
            x = self.out_norm(x)
            if self.args.nan_check:
                check_finite(x, "out_norm", "enable norm_reduction_force_float32")
        return x

    def _use_norm_kernels(self, x: mx.array) -> bool:
        """Decode on CUDA with the step kernel: each residual add and the norm after it in one kernel."""
        first = self.blocks[0]
        return (
            self.fused_cuda_kernels
            and first.mlstm_layer._use_step_kernel(x)
            and not self.args.nan_check
            and norm_kernels_apply(first.norm_mlstm, x, x.shape[-1])
        )

    def _decode_with_norm_kernels(self, x: mx.array, cache: XLSTMCache | None):
        """The loop of :meth:`__call__` with every ``x + f(x)`` deferred into the next norm's kernel."""
        delta = None
        for idx, block in enumerate(self.blocks):
            x, normed = residual_rms_norm(x, delta, block.norm_mlstm)
            mixed, state = block.mlstm_layer(
                normed, cache[idx] if cache is not None else None, idx
            )
            x, normed = residual_rms_norm(x, mixed, block.norm_ffn)
            delta = block.ffn(normed)
            if cache is not None:
                cache[idx] = state
        if cache is not None:
            cache.offset += x.shape[1]
        if self.args.add_out_norm:
            return residual_rms_norm(x, delta, self.out_norm)[1]
        return x + delta


class Model(nn.Module):
    """Causal LM: ``Model(args)(tokens (B, S), cache=None) -> logits (B, S, vocab)``."""

    def __init__(self, args: ModelArgs):
        super().__init__()
        self.args = args
        self.model_type = args.model_type
        self.backbone = XLSTMBackbone(args)
        if not args.tie_word_embeddings:
            self.lm_head = nn.Linear(args.hidden_size, args.vocab_size, bias=False)

    def __call__(self, inputs: mx.array, cache: XLSTMCache | None = None) -> mx.array:
        """Logits for ``inputs``; with ``cache``, continue from and update its states.

        Prefill and decode run as one compiled graph per input shape (traced on the
        first call of each shape), which takes the per-op host work out of every
        later call; the NaN guard needs host syncs, so it always runs eagerly.
        """
        if self.args.nan_check:
            return self._forward(inputs, cache)
        if cache is None:
            cache = self.make_cache()
        elif not cache.ready and cache.arrays:
            return self._forward(inputs, cache)
        if getattr(self, "_compiled_step", None) is None:
            self._compiled_step = mx.compile(self._step, inputs=[self.state])
        logits, *state = self._compiled_step(inputs, *cache.arrays)
        cache.set_arrays(state)
        cache.offset += inputs.shape[1]
        return logits

    def _forward(self, inputs: mx.array, cache: XLSTMCache | None) -> mx.array:
        x = self.backbone(inputs, cache)
        if self.args.tie_word_embeddings:
            logits = self.backbone.embeddings.as_linear(x)
        else:
            logits = self.lm_head(x)
        return soft_cap(logits, self.args.output_logit_soft_cap)

    def _step(self, inputs: mx.array, *state: mx.array) -> tuple[mx.array, ...]:
        """Pure function of the inputs and the flat state (empty for a fresh cache)."""
        cache = self.make_cache()
        if state:
            cache.set_arrays(list(state))
        logits = self._forward(inputs, cache)
        return (logits, *cache.arrays)

    def make_cache(self) -> XLSTMCache:
        return XLSTMCache(self.args.num_hidden_layers)

    def fuse_projections(self) -> None:
        """Fuse each block's projections into as few matmuls as the weights allow.

        Run once after loading (:func:`xlstm_model.load` does); each block is
        evaluated as it is fused so the unfused copies are freed one block at a time.
        """
        for block in self.layers:
            block.mlstm_layer.fuse_projections()
            block.ffn.fuse_projections()
            mx.eval(block.parameters())
        self.use_matvec_kernels()

    def set_step_kernel(self, enabled: bool) -> None:
        """Use the one-kernel GPU decode step where it applies (default) or the pure-MLX step."""
        for block in self.layers:
            block.mlstm_layer.step_kernel = enabled
        self._compiled_step = None

    def set_fused_cuda_kernels(self, enabled: bool) -> None:
        """Decode on CUDA through the fused kernels (the default) or the pure-MLX modules.

        With the step kernel on, each residual add and the norm after it run as one kernel
        (:func:`~xlstm_model.norm_kernels.residual_rms_norm`), the head norm and output gate
        as one (:func:`~xlstm_model.norm_kernels.head_norm_gate`), and quantized layers at
        batch 1 through :func:`~xlstm_model.quant_kernels.quantized_matvec`. Elsewhere (the
        CPU, Apple GPUs) the kernels do not apply and the setting changes nothing.
        """
        self.backbone.fused_cuda_kernels = enabled
        for block in self.layers:
            block.mlstm_layer.fused_cuda_kernels = enabled
        for _, module in self.named_modules():
            if isinstance(module, MatvecQuantizedLinear):
                module.matvec = enabled
        self._compiled_step = None

    def use_matvec_kernels(self) -> None:
        """Give every quantized linear layer the batch-1 CUDA matrix-vector kernel (after fusing)."""
        swapped = [
            (path, MatvecQuantizedLinear.from_layer(module))
            for path, module in self.named_modules()
            if type(module) is nn.QuantizedLinear
        ]
        for _, module in swapped:
            module.matvec = self.backbone.fused_cuda_kernels
        if swapped:
            self.update_modules(tree_unflatten(swapped))
        self._compiled_step = None

    def quant_predicate(self, path: str, module: nn.Module) -> bool:
        """Which modules ``convert --quantize`` quantizes: every linear and the embeddings,
        except the input/forget gate projections, whose outputs go through ``exp``."""
        return not path.endswith(("igate_preact", "fgate_preact", "ifgate_preact"))

    def sanitize(self, weights: dict[str, mx.array]) -> dict[str, mx.array]:
        """Drop tensors the MLX model does not hold (tied LM head, disabled out norm)."""
        if self.args.tie_word_embeddings:
            weights.pop("lm_head.weight", None)
        if not self.args.add_out_norm:
            weights.pop("backbone.out_norm.weight", None)
        return weights

    @property
    def layers(self):
        return self.backbone.blocks
