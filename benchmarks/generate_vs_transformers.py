"""Prefill and decode throughput: xlstm_model (MLX) vs transformers (torch), batch 1, greedy.

    python benchmarks/generate_vs_transformers.py [--model DIR] [--prompt-tokens 256] [--decode-tokens 128]

Without ``--model`` an init-demo ``small`` checkpoint is written to a temporary folder.
Both sides run the same loop: one prefill call, then one call per decoded token with the
recurrent cache, greedy argmax; the first decode steps are discarded as warm-up.
The engines alternate ``--repeats`` times and the best figure of each is kept, since
the machine may be shared.
"""

import argparse
import tempfile
import time

import mlx.core as mx
import numpy as np
import torch
from transformers import xLSTMForCausalLM

from xlstm_model import load
from xlstm_model.cli import init_demo

TORCH_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16}


def bench_mlx(model, prompt: np.ndarray, decode_tokens: int, warmup: int):
    tokens = mx.array(prompt[None])
    model(tokens, model.make_cache())  # compile / warm caches
    cache = model.make_cache()
    start = time.perf_counter()
    y = mx.argmax(model(tokens, cache)[:, -1], axis=-1)
    mx.eval(y)
    prefill = len(prompt) / (time.perf_counter() - start)
    for step in range(warmup + decode_tokens):
        if step == warmup:
            start = time.perf_counter()
        y = mx.argmax(model(y[:, None], cache)[:, -1], axis=-1)
        mx.async_eval(y)
    mx.eval(y)
    return prefill, decode_tokens / (time.perf_counter() - start)


@torch.inference_mode()
def bench_torch(model, prompt: np.ndarray, decode_tokens: int, warmup: int):
    tokens = torch.from_numpy(prompt[None])
    model(tokens, use_cache=True)
    start = time.perf_counter()
    out = model(tokens, use_cache=True)
    y = out.logits[:, -1].argmax(-1, keepdim=True)
    prefill = len(prompt) / (time.perf_counter() - start)
    cache = out.cache_params
    for step in range(warmup + decode_tokens):
        if step == warmup:
            start = time.perf_counter()
        out = model(y, cache_params=cache, use_cache=True)
        cache, y = out.cache_params, out.logits[:, -1].argmax(-1, keepdim=True)
    return prefill, decode_tokens / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", help="checkpoint folder (default: a fresh init-demo 'small')"
    )
    parser.add_argument(
        "--config",
        default="small",
        choices=["tiny", "small"],
        help="init-demo config if no --model",
    )
    parser.add_argument("--prompt-tokens", type=int, default=256)
    parser.add_argument("--decode-tokens", type=int, default=128)
    parser.add_argument("--warmup", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--dtypes",
        nargs="+",
        default=["float32", "bfloat16"],
        choices=sorted(TORCH_DTYPES),
    )
    parser.add_argument(
        "--threads", type=int, help="torch intra-op threads (default: torch's choice)"
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    with tempfile.TemporaryDirectory() as tmp:
        path = args.model or init_demo(tmp, args.config, seed=0)
        vocab = load(path, tokenizer=False)[0].args.vocab_size
        prompt = np.random.default_rng(0).integers(0, vocab, size=args.prompt_tokens)
        print(
            f"checkpoint: {args.model or f'init-demo {args.config}'}; prompt {args.prompt_tokens}, decode {args.decode_tokens}"
        )
        print(f"{'dtype':<9} {'engine':<13} {'prefill tok/s':>14} {'decode tok/s':>13}")
        for dtype in args.dtypes:
            mlx_model, _ = load(path, tokenizer=False, dtype=dtype)
            torch_model = xLSTMForCausalLM.from_pretrained(
                path, dtype=TORCH_DTYPES[dtype]
            ).eval()
            runs = [
                (
                    bench_mlx(mlx_model, prompt, args.decode_tokens, args.warmup),
                    bench_torch(torch_model, prompt, args.decode_tokens, args.warmup),
                )
                for _ in range(args.repeats)
            ]
            ours = tuple(max(run[0][i] for run in runs) for i in range(2))
            theirs = tuple(max(run[1][i] for run in runs) for i in range(2))
            for name, (prefill, decode) in (
                ("xlstm_model", ours),
                ("transformers", theirs),
            ):
                print(f"{dtype:<9} {name:<13} {prefill:>14.1f} {decode:>13.1f}")
            print(
                f"{dtype:<9} {'ratio':<13} {ours[0] / theirs[0]:>13.2f}x {ours[1] / theirs[1]:>12.2f}x"
            )


if __name__ == "__main__":
    main()
