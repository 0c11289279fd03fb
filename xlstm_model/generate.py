"""``xlstm-generate``: stream text from an xLSTM checkpoint folder.

stdout carries only the generated text; errors and throughput go to stderr.
"""

import argparse
import sys
import time

DTYPE_CHOICES = ("float32", "bfloat16", "float16")


def positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {number}")
    return number


def dtype_name(value: str) -> str:
    if value not in DTYPE_CHOICES:
        raise argparse.ArgumentTypeError(
            f"unknown dtype {value!r}; expected one of {', '.join(DTYPE_CHOICES)}"
        )
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xlstm-generate", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--model",
        required=True,
        help="checkpoint folder (config.json, safetensors, tokenizer.json)",
    )
    parser.add_argument("--prompt", required=True)
    parser.add_argument("--max-tokens", type=positive_int, default=100)
    parser.add_argument(
        "--dtype", type=dtype_name, help="weights, activations and mLSTM kernel compute"
    )
    parser.add_argument(
        "--kernel-dtype", type=dtype_name, help="mLSTM kernel compute only"
    )
    parser.add_argument(
        "--state-dtype", type=dtype_name, help="recurrent state (C, N, M)"
    )
    parser.add_argument(
        "--norm-reduction-force-float32",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="reduce every norm in float32 (default: config.json)",
    )
    parser.add_argument("--temperature", type=float, default=0.0, help="0 = greedy")
    parser.add_argument("--top-p", type=float, default=1.0)
    parser.add_argument("--top-k", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--nan-check",
        action="store_true",
        help="raise on NaN/Inf in a norm or mLSTM output",
    )
    return parser


def eos_ids(eos) -> set[int]:
    if eos is None:
        return set()
    return {eos} if isinstance(eos, int) else set(eos)


def run(args: argparse.Namespace) -> None:
    import mlx.core as mx

    from .loading import load
    from .sample import generate_step, make_sampler

    if not args.prompt:
        raise ValueError("--prompt is empty")
    sampler = make_sampler(args.temperature, args.top_p, args.top_k)
    model, tokenizer = load(
        args.model,
        dtype=args.dtype,
        kernel_dtype=args.kernel_dtype,
        state_dtype=args.state_dtype,
        norm_reduction_force_float32=args.norm_reduction_force_float32,
        nan_check=args.nan_check or None,
    )
    prompt = tokenizer.encode(args.prompt).ids
    if not prompt:
        raise ValueError("--prompt encodes to zero tokens")
    stop = eos_ids(model.args.eos_token_id)
    mx.random.seed(args.seed)

    tokens, printed = [], ""
    start = time.perf_counter()
    prompt_time = 0.0
    for n, token in enumerate(
        generate_step(
            mx.array(prompt), model, max_tokens=args.max_tokens, sampler=sampler
        )
    ):
        if n == 0:
            prompt_time = time.perf_counter() - start
            start = time.perf_counter()
        if token in stop:
            break
        tokens.append(token)
        text = tokenizer.decode(tokens)
        if not text.endswith("\ufffd"):
            sys.stdout.write(text[len(printed) :])
            sys.stdout.flush()
            printed = text
    decode_time = time.perf_counter() - start
    sys.stdout.write(tokenizer.decode(tokens)[len(printed) :])
    sys.stdout.flush()
    decode_steps = max(len(tokens) - 1, 0)
    print(file=sys.stderr)
    print(
        f"prompt: {len(prompt)} tokens, {len(prompt) / prompt_time:.1f} tokens/s",
        file=sys.stderr,
    )
    print(
        f"decode: {len(tokens)} tokens, {decode_steps / max(decode_time, 1e-9):.1f} tokens/s",
        file=sys.stderr,
    )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        run(args)
    except (
        ValueError
    ) as err:  # CheckpointError and bad settings: a message, not a traceback
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
