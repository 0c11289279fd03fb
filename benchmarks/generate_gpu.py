"""xLSTM-7B shapes on an NVIDIA GPU: xlstm_model (MLX CUDA) vs transformers (torch CUDA).

    python benchmarks/generate_gpu.py --workdir /tmp/xlstm-gpu [--steps build torch mlx report]
        [--variants bfloat16 q8 q4]

``build`` writes a 7B-shaped random checkpoint with transformers on the GPU (hidden 4096,
32 blocks, 8 heads, vocab 50304, bfloat16; random weights at the init scales of
``xlstm-model init-demo``, gate weights random so that every gate varies). Every engine
then runs in its own process, one after the other, and leaves JSON and logits in the
workdir; ``report`` prints the tables from whatever is there:

* speed, batch 1, prompt 512, greedy decode 128: prefill and decode tokens/s (the median of
  three runs of each xlstm_model setting, taken in turn) and peak GPU memory, for transformers
  bf16, xlstm_model bf16 (default: the one-kernel decode step and the fused CUDA kernels;
  without the fused kernels; with the pure-MLX step) and xlstm_model 8- and 4-bit
  (``xlstm-model convert --quantize``; default, whose quantized layers run the batch-1
  ``quantized_matvec`` kernel, and without the fused kernels);
* the matmul-streaming ceiling: the same bf16 weights streamed through a compiled chain of
  batch-1 matmuls alone (MLX ``mx.compile``; torch a CUDA graph), per matrix and with each
  block's projections fused;
* numerics, 128-token prompt, last 8 positions: logits against transformers in float32;
  8 decode steps with the fused kernels against the same steps without them.

``--steps kernels`` times each decode kernel alone (compiled chains of 32, one per block)
against its pure-MLX reference, MLX's own streaming rate over 1 GiB, and the quantized matvec
kernel against ``mx.quantized_matmul`` over the 7B's matrices (distinct weights per block).
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

PROMPT, DECODE, WARMUP, NUMERICS_PROMPT, NUMERICS_LAST = 512, 128, 8, 128, 8
DECODE_ROUNDS = 3  # decode runs of each xlstm_model setting (the tables show the median)
VOCAB = 50304
# xLSTM-7B's decode shapes for ``--steps kernels``; STREAM_ELEMENTS float32 for MLX's own rate
KERNEL_SHAPES = {"blocks": 32, "heads": 8, "qk": 256, "dv": 512, "d": 4096, "ffn": 10944}
STREAM_ELEMENTS = 256 * 1024 * 1024
MLX_VARIANTS = ["bfloat16", "float32", "float32-tf32", "q8", "q4"]


def prompt_ids(length: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, VOCAB, size=length)


def save_json(workdir: Path, name: str, data: dict) -> None:
    (workdir / f"{name}.json").write_text(json.dumps(data, indent=2))


# --- transformers side ------------------------------------------------------------------


def build_checkpoint(workdir: Path) -> None:
    import torch
    from transformers import xLSTMConfig, xLSTMForCausalLM

    path = workdir / "ckpt"
    if (path / "config.json").is_file():
        return
    torch.manual_seed(0)
    config = xLSTMConfig(
        vocab_size=VOCAB, hidden_size=4096, num_hidden_layers=32, num_heads=8
    )
    with torch.device("cuda"):
        model = xLSTMForCausalLM(config)
    d, layers = config.hidden_size, config.num_hidden_layers
    small, wang = (2 / (5 * d)) ** 0.5, 2 / layers / d**0.5
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name:
                p.fill_(1.0)
            elif name.endswith("igate_preact.bias"):
                p.normal_(-2.0, 1.0)
            elif name.endswith("fgate_preact.bias"):
                p.copy_(torch.linspace(3.0, 6.0, p.numel()))
            elif name.endswith(("out_proj.weight", "proj_down.weight")):
                p.normal_(0.0, wang)
            else:
                p.normal_(0.0, small)
    model.to(torch.bfloat16).save_pretrained(path, max_shard_size="5GB")


def torch_chain_ceiling(model) -> dict:
    """Batch-1 matmuls over every weight matrix, captured once in a CUDA graph and replayed.

    Each block's out_proj reads the v output (the whole fused output when fused) and the
    next block's input depends on it, so the chain runs in order as a decode step does.
    """
    import torch

    blocks = model.backbone.blocks
    per_matrix, fused = [], []
    for block in blocks:
        layer, ffn = block.mlstm_layer, block.ffn
        mats = [
            layer.q,
            layer.k,
            layer.v,
            layer.ogate_preact,
            layer.igate_preact,
            layer.fgate_preact,
        ]
        per_matrix.append(
            (
                [m.weight for m in mats],
                layer.out_proj.weight,
                [ffn.proj_up_gate.weight, ffn.proj_up.weight],
                ffn.proj_down.weight,
            )
        )
        fused.append(
            (
                [torch.cat([m.weight for m in mats])],
                layer.out_proj.weight,
                [torch.cat([ffn.proj_up_gate.weight, ffn.proj_up.weight])],
                ffn.proj_down.weight,
            )
        )
    head = model.lm_head.weight
    x = torch.randn(1, model.config.hidden_size, device="cuda", dtype=head.dtype)

    def chain(layout):
        h = x
        for ins, out_w, ups, down_w in layout:
            outs = [h @ w.T for w in ins]
            up = [h @ w.T for w in ups]
            used = sum(o[:, :1] for o in outs + up)
            attn = outs[2 if len(outs) == 6 else 0][:, : out_w.shape[1]] @ out_w.T
            h = attn + up[0][:, : down_w.shape[1]] @ down_w.T + used
        return h @ head.T

    result = {}
    for name, layout in (("per_matrix", per_matrix), ("fused", fused)):
        stream = torch.cuda.Stream()
        stream.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(stream):
            for _ in range(3):
                chain(layout)
        torch.cuda.current_stream().wait_stream(stream)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            chain(layout)
        graph.replay()
        torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(50):
            graph.replay()
        torch.cuda.synchronize()
        result[name] = 50 / (time.perf_counter() - start)
    result["bytes"] = (
        sum(p.numel() * p.element_size() for p in model.parameters())
        - model.backbone.embeddings.weight.numel() * 2
    )
    return result


def run_torch(workdir: Path, dtype_name: str) -> None:
    import torch
    from transformers import xLSTMForCausalLM

    dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16}[dtype_name]
    torch.backends.cuda.matmul.allow_tf32 = False
    model = xLSTMForCausalLM.from_pretrained(
        workdir / "ckpt",
        dtype=dtype,
        autocast_kernel_dtype=dtype_name,
        device_map="cuda",
    ).eval()
    result = {}
    with torch.inference_mode():
        ids = torch.from_numpy(prompt_ids(NUMERICS_PROMPT, 1)[None]).cuda()
        logits = model(ids).logits[0, -NUMERICS_LAST:].float().cpu().numpy()
        np.save(workdir / f"logits-torch-{dtype_name}.npy", logits)
        if dtype_name == "bfloat16":
            tokens = torch.from_numpy(prompt_ids(PROMPT, 0)[None]).cuda()
            model(tokens, use_cache=True)
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            best = 0.0
            for _ in range(3):
                start = time.perf_counter()
                out = model(tokens, use_cache=True)
                y = out.logits[:, -1].argmax(-1, keepdim=True)
                torch.cuda.synchronize()
                best = max(best, PROMPT / (time.perf_counter() - start))
            cache = out.cache_params
            for step in range(WARMUP + DECODE):
                if step == WARMUP:
                    torch.cuda.synchronize()
                    start = time.perf_counter()
                out = model(y, cache_params=cache, use_cache=True)
                cache, y = out.cache_params, out.logits[:, -1].argmax(-1, keepdim=True)
            torch.cuda.synchronize()
            result = {
                "prefill": best,
                "decode": DECODE / (time.perf_counter() - start),
                "peak_gb": torch.cuda.max_memory_allocated() / 1e9,
                "device": torch.cuda.get_device_name(),
            }
            del out, cache
            result["ceiling"] = torch_chain_ceiling(model)
    save_json(workdir, f"torch-{dtype_name}", result)


# --- MLX side -----------------------------------------------------------------------------


def mlx_chain_ceiling(model) -> float:
    """The chain of :func:`torch_chain_ceiling` through ``mx.compile``, with the model's own
    layers (plain or quantized, per matrix or fused); tokens/s."""
    import mlx.core as mx

    def layout_of(block):
        layer, ffn = block.mlstm_layer, block.ffn
        if "projections" in layer:
            ins = list(layer.projections)
        else:
            ins = [
                layer[n]
                for n in ("q", "k", "v", "ogate_preact", "igate_preact", "fgate_preact")
            ]
        ups = (
            [ffn.proj_up_gate_z]
            if ffn.weight_mode == "fused"
            else [ffn.proj_up_gate, ffn.proj_up]
        )
        return ins, layer.out_proj, ups, ffn.proj_down

    layout = [layout_of(block) for block in model.layers]
    v_dim, ffn_dim = model.args.v_dim, model.args.ffn_dim

    def chain(h):
        for ins, out_proj, ups, down in layout:
            outs = [layer(h) for layer in ins]
            up = [layer(h) for layer in ups]
            # every output feeds the next block, so nothing is left out of the graph
            used = sum(o[:, :1] for o in outs + up)
            h = (
                out_proj(outs[2 if len(outs) == 6 else 0][:, :v_dim])
                + down(up[0][:, :ffn_dim])
                + used
            )
        return model.lm_head(h)

    x = mx.random.normal((1, model.args.hidden_size)).astype(mx.bfloat16)
    compiled = mx.compile(chain)
    for _ in range(3):
        mx.eval(compiled(x))
    start = time.perf_counter()
    for _ in range(50):
        y = compiled(x)
        mx.async_eval(y)
    mx.eval(y)
    return 50 / (time.perf_counter() - start)


def mlx_decode_bench(model) -> tuple[float, float]:
    import mlx.core as mx

    tokens = mx.array(prompt_ids(PROMPT, 0)[None])
    mx.eval(model(tokens, model.make_cache()))
    best = 0.0
    for _ in range(3):
        cache = model.make_cache()
        mx.synchronize()
        start = time.perf_counter()
        y = mx.argmax(model(tokens, cache)[:, -1], axis=-1)
        mx.eval(y)
        best = max(best, PROMPT / (time.perf_counter() - start))
    for step in range(WARMUP + DECODE):
        if step == WARMUP:
            mx.synchronize()
            start = time.perf_counter()
        y = mx.argmax(model(y[:, None], cache)[:, -1], axis=-1)
        mx.async_eval(y)
    mx.eval(y)
    return best, DECODE / (time.perf_counter() - start)


def decode_logits(model) -> np.ndarray:
    """Logits of NUMERICS_LAST decode steps (fixed tokens) after a NUMERICS_PROMPT prompt."""
    import mlx.core as mx

    cache = model.make_cache()
    model(mx.array(prompt_ids(NUMERICS_PROMPT, 1)[None]), cache)
    steps = prompt_ids(NUMERICS_LAST, 2)
    return np.stack(
        [
            np.array(model(mx.array([[int(token)]]), cache)[0, -1].astype(mx.float32))
            for token in steps
        ]
    )


def run_mlx(workdir: Path, variant: str) -> None:
    import mlx.core as mx

    from xlstm_model import load
    from xlstm_model.convert import convert

    dtype = "float32" if variant.startswith("float32") else "bfloat16"
    folder = workdir / "ckpt"
    if variant in ("q4", "q8"):
        folder = workdir / f"ckpt-{variant}"
        if not (folder / "config.json").is_file():
            convert(
                workdir / "ckpt",
                folder,
                quantize=True,
                bits=int(variant[1]),
                group_size=64,
                dtype="bfloat16",
            )
    result = {"device": mx.device_info().get("device_name", str(mx.default_device()))}
    model, _ = load(folder, tokenizer=False, dtype=dtype, fuse=variant != "bfloat16")
    # first without the fused CUDA kernels (on by default), then with them
    model.set_fused_cuda_kernels(False)
    if variant == "bfloat16":
        result["ceiling_per_matrix"] = mlx_chain_ceiling(model)
        model.fuse_projections()
    if dtype == "bfloat16":
        result["ceiling_fused"] = mlx_chain_ceiling(model)
    ids = mx.array(prompt_ids(NUMERICS_PROMPT, 1)[None])
    logits = model(ids)[0, -NUMERICS_LAST:].astype(mx.float32)
    np.save(workdir / f"logits-mlx-{variant}.npy", np.array(logits))
    if dtype == "bfloat16":
        # (step kernel, fused kernels) per result suffix, measured in turn DECODE_ROUNDS times:
        # single runs of one setting moved by up to a fifth between runs on the same card
        settings = {"": (True, False), "_fused": (True, True)}
        if variant == "bfloat16":
            settings["_pure_step"] = (False, False)
        runs = {suffix: [] for suffix in settings}
        mx.clear_cache()
        mx.reset_peak_memory()
        for _ in range(DECODE_ROUNDS):
            for suffix, (step_kernel, fused) in settings.items():
                model.set_step_kernel(step_kernel)
                model.set_fused_cuda_kernels(fused)
                runs[suffix].append(mlx_decode_bench(model))
        result["peak_gb"] = mx.get_peak_memory() / 1e9
        for suffix, measured in runs.items():
            result[f"prefill{suffix}"] = float(np.median([p for p, _ in measured]))
            result[f"decode{suffix}"] = float(np.median([d for _, d in measured]))
            result[f"decode{suffix}_runs"] = [d for _, d in measured]
        model.set_step_kernel(True)
        model.set_fused_cuda_kernels(True)
        if variant != "bfloat16":
            result["ceiling_fused_kernels"] = mlx_chain_ceiling(model)
        np.save(workdir / f"logits-mlx-{variant}-decode-fused.npy", decode_logits(model))
        model.set_fused_cuda_kernels(False)
        np.save(workdir / f"logits-mlx-{variant}-decode.npy", decode_logits(model))
    save_json(workdir, f"mlx-{variant}", result)


# --- kernels in isolation ------------------------------------------------------------------


def time_chain(fn, *args, repeats: int = 5, calls: int = 20) -> float:
    """Median seconds of one call of the compiled ``fn`` (calls queued back to back)."""
    import mlx.core as mx

    compiled = mx.compile(fn)
    mx.eval(compiled(*args))
    times = []
    for _ in range(repeats):
        mx.synchronize()
        start = time.perf_counter()
        for _ in range(calls):
            out = compiled(*args)
            mx.async_eval(out)
        mx.eval(out)
        times.append((time.perf_counter() - start) / calls)
    return float(np.median(times))


def kernel_report(workdir: Path) -> None:
    """Each decode kernel as a compiled chain of 32 (one per block of the 7B), against its
    pure-MLX reference and against MLX's own streaming, and the quantized matvec against
    ``mx.quantized_matmul`` over the 7B's matrices; prints microseconds and TB/s."""
    import mlx.core as mx
    from xlstm_model.kernels import mlstm_step_kernel
    from xlstm_model.model import MultiHeadLayerNorm, RMSNorm
    from xlstm_model.norm_kernels import head_norm_gate, residual_rms_norm
    from xlstm_model.quant_kernels import quantized_matvec

    blocks, heads, qk, dv, d, ffn = (
        KERNEL_SHAPES[k] for k in ("blocks", "heads", "qk", "dv", "d", "ffn")
    )
    rows, errors = [], {}

    def measure(label, fn, arg, moved=0, per_call=1, **timing):
        """Time ``fn(arg)``; a kernel that fails is reported and the other rows still run."""
        try:
            seconds = time_chain(fn, arg, **timing) / per_call
        except Exception as error:
            errors[label] = f"{type(error).__name__}: {error}"
            rows.append((label, float("nan"), 0.0))
            return
        rows.append((label, seconds * 1e6, moved / seconds))

    big = mx.random.normal((STREAM_ELEMENTS,))
    measure(f"MLX a * 1.5 over {big.nbytes / 2**30:.0f} GiB (read + write)",
            lambda a: a * 1.5, big, 2 * big.nbytes, repeats=3, calls=5)
    del big

    state = mx.random.normal((1, heads, qk, dv))
    width = 2 * heads * qk + 2 * heads * dv + 2 * heads
    proj = mx.random.normal((1, width)).astype(mx.bfloat16)
    offsets = {"q": 0, "k": heads * qk, "v": 2 * heads * qk, "i": width - 2 * heads, "f": width - heads}
    n, m = mx.random.normal((1, heads, qk)), mx.zeros((1, heads, 1))

    def step_chain(c):
        for _ in range(blocks):
            h, (c, _, _) = mlstm_step_kernel(proj, proj, offsets, (c, n, m), 1e-6, 15.0)
        return c, h

    measure(f"mLSTM step kernel ({heads} heads {qk}x{dv} f32)", step_chain, state,
            2 * state.nbytes, blocks)

    x = mx.random.normal((1, 1, d)).astype(mx.bfloat16)
    rms = RMSNorm(d, 1e-6, True)
    rms.weight = rms.weight.astype(mx.bfloat16)

    def rms_pure(x):
        for _ in range(blocks):
            x = x + rms(x)
        return x

    def rms_kernel(x):
        for _ in range(blocks):
            x, y = residual_rms_norm(x, x, rms)
        return x, y

    for label, fn in (("residual add + RMSNorm, pure MLX", rms_pure), ("residual add + RMSNorm kernel", rms_kernel)):
        measure(label, fn, x, per_call=blocks)

    head = MultiHeadLayerNorm(heads, dv, 1e-6, True)
    head.weight = head.weight.astype(mx.bfloat16)
    h = mx.random.normal((1, heads, dv)).astype(mx.bfloat16)

    def head_pure(h):
        for _ in range(blocks):
            o = proj[:, None, 2 * heads * qk + heads * dv : 2 * heads * qk + 2 * heads * dv]
            h = (mx.sigmoid(o) * head(h[:, None]))[:, 0].reshape(1, heads, dv)
        return h

    def head_kernel(h):
        for _ in range(blocks):
            h = head_norm_gate(h, proj, 2 * heads * qk + heads * dv, head, heads).reshape(1, heads, dv)
        return h

    for label, fn in (("head LayerNorm + gate, pure MLX", head_pure), ("head LayerNorm + gate kernel", head_kernel)):
        measure(label, fn, h, per_call=blocks)

    # the 7B's decode matrices (fused layout), distinct for each block as in the model:
    # projections, out_proj, FFN up (gate + z), down; then the LM head. Each product's first
    # output feeds a running sum, so none is dropped from the graph.
    def matrix(rows_, cols):
        w = mx.random.normal((rows_, cols), scale=0.02).astype(mx.bfloat16)
        mx.eval(w)
        return w

    shapes = [(2 * heads * (qk + dv) + 2 * heads, d), (d, heads * dv), (2 * ffn, d), (d, ffn)]
    bf16 = [[matrix(*shape) for shape in shapes] for _ in range(blocks)] + [[matrix(VOCAB, d)]]
    vectors = {
        k: mx.random.normal((1, k)).astype(mx.bfloat16)
        for k in {d} | {cols for _, cols in shapes}
    }

    def matrices_chain(vectors, layers, apply):
        total = mx.zeros((1, 1), mx.float32)
        for block in layers[:-1]:
            for layer in block:
                total = total + apply(vectors[layer[-1]], layer)[:, :1].astype(mx.float32)
        return apply(vectors[d], layers[-1][0]), total

    def chain_bytes(layers):
        return sum(sum(a.nbytes for a in layer[:-2]) for block in layers for layer in block)

    plain = [[(w, 16, w.shape[1]) for w in block] for block in bf16]
    measure("bf16 matmul chain, 7B decode matrices",
            lambda v: matrices_chain(v, plain, lambda x, layer: x @ layer[0].T),
            vectors, chain_bytes(plain), repeats=3, calls=10)
    for bits in (4, 8):
        quantized = [
            [(*mx.quantize(w, group_size=64, bits=bits), bits, w.shape[1]) for w in block]
            for block in bf16
        ]
        # evaluated here: a lazy weight would be quantized again inside every timed call
        mx.eval([layer[:3] for block in quantized for layer in block])

        def mlx_q(x, layer):
            return mx.quantized_matmul(x, *layer[:3], transpose=True, group_size=64, bits=layer[3])

        def kernel_q(x, layer):
            return quantized_matvec(x, *layer[:3], layer[3], 64)

        for label, apply in (("mx.quantized_matmul", mlx_q), ("quantized_matvec kernel", kernel_q)):
            measure(f"{bits}-bit {label} chain, 7B decode matrices",
                    lambda v: matrices_chain(v, quantized, apply), vectors,
                    chain_bytes(quantized), repeats=3, calls=10)
        del quantized

    print(f"\n{mx.device_info().get('device_name', '?')}: kernels in isolation")
    print(f"{'':<56} {'us per call':>12} {'TB/s':>7}")
    for label, micros, rate in rows:
        print(f"{label:<56} {micros:>12.1f} {rate / 1e12 if rate else float('nan'):>7.2f}")
    for label, error in errors.items():
        print(f"FAILED {label}: {error}")
    save_json(
        workdir,
        "kernels",
        {"rows": {label: [micros, rate] for label, micros, rate in rows}, "errors": errors},
    )


# --- report -------------------------------------------------------------------------------


def load_json(workdir: Path, name: str) -> dict | None:
    path = workdir / f"{name}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def compare(workdir: Path, name: str, reference: str) -> str | None:
    got, ref = workdir / f"logits-{name}.npy", workdir / f"logits-{reference}.npy"
    if not (got.is_file() and ref.is_file()):
        return None
    a, b = np.load(got), np.load(ref)
    delta = np.abs(a - b)
    top1 = (a.argmax(-1) == b.argmax(-1)).mean()
    return f"{delta.mean():>10.4f} {delta.max():>10.4f} {top1:>8.3f}"


def report(workdir: Path) -> None:
    torch_bf16, mlx_bf16 = (
        load_json(workdir, "torch-bfloat16"),
        load_json(workdir, "mlx-bfloat16"),
    )
    card = (torch_bf16 or mlx_bf16 or {}).get("device", "?")
    print(f"\n{card}; batch 1, prompt {PROMPT}, greedy decode {DECODE}")
    print(
        f"{'engine':<48} {'prefill tok/s':>14} {'decode tok/s':>13} {'runs':>13} {'peak GB':>8}"
    )
    # (label, results, key suffix, whether to show the peak memory)
    rows = [("transformers bf16 (torch CUDA)", torch_bf16, "", True)]
    if mlx_bf16:
        rows.append(("xlstm_model bf16 (MLX CUDA, default)", mlx_bf16, "_fused", True))
        rows.append(("  without the fused CUDA kernels", mlx_bf16, "", False))
        rows.append(("  pure-MLX decode step, no fused kernels", mlx_bf16, "_pure_step", False))
    for bits in (8, 4):
        quantized = load_json(workdir, f"mlx-q{bits}")
        rows.append((f"xlstm_model {bits}-bit (group 64, default)", quantized, "_fused", True))
        rows.append(("  without the fused kernels and matvec", quantized, "", False))
    for label, data, suffix, show_peak in rows:
        if data and f"decode{suffix}" in data:
            peak = f"{data['peak_gb']:>8.1f}" if show_peak else f"{'':>8}"
            spread = data.get(f"decode{suffix}_runs", [])
            spread = f"{min(spread):.1f}-{max(spread):.1f}" if spread else ""
            print(
                f"{label:<48} {data[f'prefill{suffix}']:>14,.0f} {data[f'decode{suffix}']:>13.1f} {spread:>13} {peak}"
            )
    if mlx_bf16 and torch_bf16 and "decode_fused" in mlx_bf16:
        print(
            f"xlstm_model / transformers: prefill {mlx_bf16['prefill_fused'] / torch_bf16['prefill']:.2f}x, decode {mlx_bf16['decode_fused'] / torch_bf16['decode']:.2f}x"
        )
    q4 = load_json(workdir, "mlx-q4")
    if q4 and mlx_bf16:
        if "decode_fused" in q4 and "decode_fused" in mlx_bf16:
            print(
                f"4-bit decode / bf16 decode (defaults): {q4['decode_fused'] / mlx_bf16['decode_fused']:.2f}x"
            )
        print(
            f"4-bit decode / bf16 decode without the fused kernels: {q4['decode'] / mlx_bf16['decode']:.2f}x"
        )

    print("\nmatmul-streaming ceiling (bf16 weights, batch 1, matmuls alone), tokens/s")
    if mlx_bf16:
        print(
            f"  MLX mx.compile:     per matrix {mlx_bf16['ceiling_per_matrix']:.1f}, fused per block {mlx_bf16['ceiling_fused']:.1f}"
        )
    for bits in (8, 4):
        quantized = load_json(workdir, f"mlx-q{bits}")
        if quantized:
            print(
                f"  MLX {bits}-bit weights, mx.quantized_matmul, fused per block: {quantized['ceiling_fused']:.1f} (decode without the fused kernels at {quantized['decode'] / quantized['ceiling_fused']:.0%} of it)"
            )
            if "ceiling_fused_kernels" in quantized:
                print(
                    f"  {bits}-bit through the quantized_matvec kernel: {quantized['ceiling_fused_kernels']:.1f} (decode with it at {quantized['decode_fused'] / quantized['ceiling_fused_kernels']:.0%} of it)"
                )
    if torch_bf16:
        ceiling = torch_bf16["ceiling"]
        print(
            f"  torch CUDA graph:   per matrix {ceiling['per_matrix']:.1f}, fused per block {ceiling['fused']:.1f}  ({ceiling['bytes'] / 1e9:.1f} GB streamed)"
        )
    if mlx_bf16 and "decode_fused" in mlx_bf16:
        print(
            f"  xlstm_model bf16 decode at {mlx_bf16['decode_fused'] / mlx_bf16['ceiling_fused']:.0%} of the MLX fused ceiling"
        )

    reference = workdir / "logits-torch-float32.npy"
    spread = (
        f"; their standard deviation {np.load(reference).std():.3f}"
        if reference.is_file()
        else ""
    )
    print(
        f"\nlogits, prompt {NUMERICS_PROMPT}, last {NUMERICS_LAST} positions, against transformers float32{spread}"
    )
    print(f"{'':<44} {'mean |d|':>10} {'max |d|':>10} {'top-1':>8}")
    for label, name, reference in (
        ("xlstm_model bf16", "mlx-bfloat16", "torch-float32"),
        ("transformers bf16", "torch-bfloat16", "torch-float32"),
        ("xlstm_model float32 (exact, the default)", "mlx-float32", "torch-float32"),
        ("xlstm_model float32, MLX_ENABLE_TF32=1", "mlx-float32-tf32", "torch-float32"),
        ("xlstm_model 8-bit vs xlstm_model bf16", "mlx-q8", "mlx-bfloat16"),
        ("xlstm_model 4-bit vs xlstm_model bf16", "mlx-q4", "mlx-bfloat16"),
        ("decode, bf16 fused kernels vs default", "mlx-bfloat16-decode-fused", "mlx-bfloat16-decode"),
        ("decode, 4-bit fused + matvec vs default", "mlx-q4-decode-fused", "mlx-q4-decode"),
        ("decode, 8-bit fused + matvec vs default", "mlx-q8-decode-fused", "mlx-q8-decode"),
    ):
        line = compare(workdir, name, reference)
        if line:
            print(f"{label:<44} {line}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument(
        "--steps",
        nargs="+",
        default=["build", "torch", "mlx", "report"],
        choices=["build", "torch", "mlx", "kernels", "report"],
    )
    parser.add_argument(
        "--variants",
        nargs="+",
        default=MLX_VARIANTS,
        choices=MLX_VARIANTS,
        help="the xlstm_model runs of the mlx step (default: all)",
    )
    parser.add_argument("--run", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.run:
        engine, variant = args.run.split(":")
        {"build": lambda w, _: build_checkpoint(w), "torch": run_torch, "mlx": run_mlx}[
            engine
        ](args.workdir, variant)
        return
    runs = {
        "build": ["build:-"],
        "torch": ["torch:float32", "torch:bfloat16"],
        "mlx": [f"mlx:{variant}" for variant in args.variants],
    }
    for step in args.steps:
        if step == "report":
            report(args.workdir)
            continue
        if step == "kernels":
            kernel_report(args.workdir)
            continue
        for run in runs[step]:
            env = dict(os.environ)
            env["MLX_ENABLE_TF32"] = "1" if run.endswith("tf32") else "0"
            print(f"-- {run}", flush=True)
            start = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--workdir",
                    str(args.workdir),
                    "--run",
                    run,
                ],
                env=env,
                check=True,
            )
            print(f"   {time.perf_counter() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
