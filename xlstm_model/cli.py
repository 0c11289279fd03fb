"""``xlstm-model init-demo DIR``: write a random-weight checkpoint with a trained tokenizer;
``xlstm-model convert SRC DST [--quantize]``: rewrite a checkpoint, optionally quantized.

The folder has the layout of a Hugging Face xLSTM checkpoint (config.json,
sharded safetensors with an index, tokenizer.json) and loads in both
``xlstm_model.load`` and transformers' ``xLSTMForCausalLM.from_pretrained``.
"""

import argparse
import json
import math
import sys
from importlib import resources
from pathlib import Path

import numpy as np

DEMO_CONFIGS = {
    "tiny": {
        "hidden_size": 128,
        "num_hidden_layers": 2,
        "num_heads": 4,
        "chunk_size": 16,
        "vocab": 512,
    },
    "small": {
        "hidden_size": 512,
        "num_hidden_layers": 4,
        "num_heads": 4,
        "chunk_size": 64,
        "vocab": 1024,
    },
}
SPECIAL_TOKENS = [
    "<|bos|>",
    "<|pad|>",
    "<|endoftext|>",
]  # ids 0, 1, 2 as in xLSTMConfig defaults


def train_tokenizer(vocab_size: int):
    """Byte-level BPE trained on the bundled corpus (deterministic)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    text = (
        resources.files("xlstm_model")
        .joinpath("data/tokenizer_corpus.txt")
        .read_text(encoding="utf-8")
    )
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(text.splitlines(), trainer)
    return tokenizer


def demo_config(name: str, vocab_size: int) -> dict:
    spec = dict(DEMO_CONFIGS[name])
    spec.pop("vocab")
    return {
        "architectures": ["xLSTMForCausalLM"],
        "model_type": "xlstm",
        "vocab_size": vocab_size,
        **spec,
        "embedding_dim": spec["hidden_size"],
        "num_blocks": spec["num_hidden_layers"],
        "use_bias": False,
        "norm_reduction_force_float32": True,
        "tie_word_embeddings": False,
        "add_out_norm": True,
        "norm_eps": 1e-6,
        "qk_dim_factor": 0.5,
        "v_dim_factor": 1.0,
        "chunkwise_kernel": "chunkwise--native_autograd",
        "sequence_kernel": "native_sequence__native",
        "step_kernel": "native",
        "mode": "inference",
        "return_last_states": True,
        "autocast_kernel_dtype": "float32",
        "eps": 1e-6,
        "inference_state_dtype": "float32",
        "ffn_proj_factor": 2.667,
        "ffn_round_up_to_multiple_of": 64,
        "gate_soft_cap": 15.0,
        "output_logit_soft_cap": 30.0,
        "weight_mode": "single",
        "max_inference_chunksize": 16384,
        "use_cache": True,
        "dtype": "float32",
        "bos_token_id": 0,
        "pad_token_id": 1,
        "eos_token_id": 2,
    }


def init_weights(config: dict, seed: int) -> dict[str, np.ndarray]:
    """Random weights at transformers' ``_init_weights`` scales.

    Embeddings and linears: small init ``N(0, sqrt(2 / (5 d)))``; ``proj_down`` and
    ``out_proj``: Wang init ``N(0, 2 / (L sqrt(d)))``; input/forget gate weights zero
    with biases -10 and linspace(3, 6); norms one.  The output gate and the FFN gate
    projection get the small init (transformers' substring match on "gate" would zero
    them, leaving the FFN dead; the original xLSTM initialisation does not).
    """
    from xlstm_model.model import ModelArgs

    args = ModelArgs.from_dict(config)
    rng = np.random.default_rng(seed)
    d, n_layers, heads = args.hidden_size, args.num_hidden_layers, args.num_heads
    small = math.sqrt(2 / (5 * d))

    def normal(shape, std):
        return rng.normal(0.0, std, size=shape).astype(np.float32)

    weights = {"backbone.embeddings.weight": normal((args.vocab_size, d), small)}
    for idx in range(n_layers):
        p = f"backbone.blocks.{idx}"
        weights.update(
            {
                f"{p}.norm_mlstm.weight": np.ones(d, np.float32),
                f"{p}.mlstm_layer.q.weight": normal((args.qk_dim, d), small),
                f"{p}.mlstm_layer.k.weight": normal((args.qk_dim, d), small),
                f"{p}.mlstm_layer.v.weight": normal((args.v_dim, d), small),
                f"{p}.mlstm_layer.ogate_preact.weight": normal((args.v_dim, d), small),
                f"{p}.mlstm_layer.igate_preact.weight": np.zeros(
                    (heads, d), np.float32
                ),
                f"{p}.mlstm_layer.igate_preact.bias": np.full(heads, -10.0, np.float32),
                f"{p}.mlstm_layer.fgate_preact.weight": np.zeros(
                    (heads, d), np.float32
                ),
                f"{p}.mlstm_layer.fgate_preact.bias": np.linspace(
                    3.0, 6.0, heads, dtype=np.float32
                ),
                f"{p}.mlstm_layer.multihead_norm.weight": np.ones(
                    args.v_dim, np.float32
                ),
                f"{p}.mlstm_layer.out_proj.weight": normal(
                    (d, args.v_dim), 2 / n_layers / math.sqrt(d)
                ),
                f"{p}.norm_ffn.weight": np.ones(d, np.float32),
                f"{p}.ffn.proj_up_gate.weight": normal((args.ffn_dim, d), small),
                f"{p}.ffn.proj_up.weight": normal((args.ffn_dim, d), small),
                f"{p}.ffn.proj_down.weight": normal(
                    (d, args.ffn_dim), 2 / n_layers / math.sqrt(args.ffn_dim)
                ),
            }
        )
    weights["backbone.out_norm.weight"] = np.ones(d, np.float32)
    weights["lm_head.weight"] = normal((args.vocab_size, d), small)
    return weights


def save_sharded(
    weights: dict[str, np.ndarray], path: Path, num_shards: int = 2
) -> None:
    """Write ``model-0000x-of-0000y.safetensors`` shards plus ``model.safetensors.index.json``."""
    from safetensors.numpy import save_file

    keys = sorted(weights)
    weight_map = {}
    for shard, part in enumerate(
        np.array_split(np.array(keys, dtype=object), num_shards), start=1
    ):
        name = f"model-{shard:05d}-of-{num_shards:05d}.safetensors"
        save_file(
            {k: weights[k] for k in part}, str(path / name), metadata={"format": "pt"}
        )
        weight_map.update({k: name for k in part})
    total = int(sum(w.nbytes for w in weights.values()))
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    (path / "model.safetensors.index.json").write_text(
        json.dumps(index, indent=2) + "\n"
    )


def init_demo(path: str | Path, config: str = "tiny", seed: int = 0) -> Path:
    """Write a complete demo checkpoint folder and return its path."""
    if config not in DEMO_CONFIGS:
        raise ValueError(
            f"unknown demo config {config!r}; expected one of {', '.join(DEMO_CONFIGS)}"
        )
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    tokenizer = train_tokenizer(DEMO_CONFIGS[config]["vocab"])
    tokenizer.save(str(path / "tokenizer.json"))
    tokenizer_config = {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": SPECIAL_TOKENS[0],
        "pad_token": SPECIAL_TOKENS[1],
        "eos_token": SPECIAL_TOKENS[2],
    }
    (path / "tokenizer_config.json").write_text(
        json.dumps(tokenizer_config, indent=2) + "\n"
    )
    cfg = demo_config(config, tokenizer.get_vocab_size())
    (path / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
    save_sharded(init_weights(cfg, seed), path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="xlstm-model", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "init-demo", help="write a random-weight demo checkpoint folder"
    )
    demo.add_argument("directory", type=Path)
    demo.add_argument("--config", choices=sorted(DEMO_CONFIGS), default="tiny")
    demo.add_argument("--seed", type=int, default=0)
    convert_parser = commands.add_parser(
        "convert",
        help="rewrite a checkpoint folder, optionally quantized (mlx-lm layout)",
    )
    convert_parser.add_argument("source", type=Path)
    convert_parser.add_argument("destination", type=Path)
    convert_parser.add_argument(
        "--quantize", action="store_true", help="quantize the weights"
    )
    convert_parser.add_argument(
        "--bits", type=int, help="bits per quantized weight (default 4)"
    )
    convert_parser.add_argument(
        "--group-size",
        type=int,
        help="weights sharing one scale and bias (default 64)",
    )
    convert_parser.add_argument(
        "--dtype",
        choices=("float32", "bfloat16", "float16"),
        help="dtype of the unquantized weights, scales and biases (default: the checkpoint's)",
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "init-demo":
            path = init_demo(args.directory, args.config, args.seed)
            print(f"wrote {args.config} demo checkpoint to {path}", file=sys.stderr)
        else:
            path = run_convert(args)
            print(f"wrote {path}", file=sys.stderr)
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def run_convert(args: argparse.Namespace) -> Path:
    from .convert import convert

    if not args.quantize and (args.bits is not None or args.group_size is not None):
        raise ValueError("--bits and --group-size need --quantize")
    return convert(
        args.source,
        args.destination,
        quantize=args.quantize,
        bits=4 if args.bits is None else args.bits,
        group_size=64 if args.group_size is None else args.group_size,
        dtype=args.dtype,
    )


if __name__ == "__main__":
    sys.exit(main())
