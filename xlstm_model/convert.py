"""``xlstm-model convert SRC DST [--quantize]``: rewrite a checkpoint folder, optionally quantized.

The output follows mlx-lm: quantized modules store ``weight`` (packed), ``scales`` and
``biases``; ``config.json`` gets ``"quantization": {"group_size", "bits", "mode"}`` (and the
same under ``quantization_config``); :func:`xlstm_model.load` quantizes exactly the modules
whose ``.scales`` it finds. Quantized: every linear layer (q, k, v, output gate, out_proj, the
FFN, the LM head) and the embeddings. Kept in the checkpoint dtype: the input and forget gate
projections (their outputs go through ``exp``; they are 0.2% of the weights) and every norm.
"""

import json
import shutil
import tempfile
from pathlib import Path

import mlx.core as mx
from mlx import nn
from mlx.utils import tree_flatten

from .loading import CheckpointError, load
from .model import QUANTIZATION_BITS, QUANTIZATION_GROUP_SIZES

SHARD_BYTES = 5 * 2**30
COPIED_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "generation_config.json",
)


def save_shards(weights: dict[str, mx.array], path: Path) -> None:
    """``model-0000x-of-0000y.safetensors`` of at most :data:`SHARD_BYTES` each, plus the index."""
    shards, current, size = [], {}, 0
    for key in sorted(weights):
        if current and size + weights[key].nbytes > SHARD_BYTES:
            shards.append(current)
            current, size = {}, 0
        current[key] = weights[key]
        size += weights[key].nbytes
    shards.append(current)
    weight_map = {}
    for number, shard in enumerate(shards, start=1):
        name = f"model-{number:05d}-of-{len(shards):05d}.safetensors"
        mx.save_safetensors(str(path / name), shard, metadata={"format": "mlx"})
        weight_map.update(dict.fromkeys(shard, name))
    total = sum(w.nbytes for w in weights.values())
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    (path / "model.safetensors.index.json").write_text(
        json.dumps(index, indent=2) + "\n"
    )


def convert(
    source: str | Path,
    destination: str | Path,
    quantize: bool = False,
    bits: int = 4,
    group_size: int = 64,
    dtype: str | None = None,
) -> Path:
    """Write ``source`` to ``destination`` (cast to ``dtype``, quantized if asked); returns the path.

    The folder is assembled beside ``destination`` and renamed into place at the end,
    so a failure leaves no partial checkpoint.
    """
    source, destination = Path(source), Path(destination)
    if bits not in QUANTIZATION_BITS:
        raise ValueError(
            f"--bits must be one of {', '.join(map(str, QUANTIZATION_BITS))}, got {bits}"
        )
    if group_size not in QUANTIZATION_GROUP_SIZES:
        raise ValueError(
            f"--group-size must be one of {', '.join(map(str, QUANTIZATION_GROUP_SIZES))}, got {group_size}"
        )
    if destination.exists() and (
        not destination.is_dir() or any(destination.iterdir())
    ):
        raise ValueError(f"destination {destination} exists and is not empty")
    model, _ = load(source, tokenizer=False, fuse=False, dtype=dtype)
    if model.args.quantization is not None and quantize:
        raise CheckpointError(f"{source} is already quantized")
    config = json.loads((source / "config.json").read_text())
    config.pop("dtype", None)
    config["torch_dtype"] = model.args.torch_dtype
    if quantize:

        def predicate(path: str, module: nn.Module) -> bool:
            return (
                hasattr(module, "to_quantized")
                and module.weight.shape[-1] % group_size == 0
                and model.quant_predicate(path, module)
            )

        nn.quantize(model, group_size, bits, class_predicate=predicate)
        quantization = {"group_size": group_size, "bits": bits, "mode": "affine"}
        config["quantization"] = dict(quantization)
        config["quantization_config"] = dict(quantization)

    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(
        tempfile.mkdtemp(dir=destination.parent, prefix=f".{destination.name}.")
    )
    try:
        save_shards(dict(tree_flatten(model.parameters())), staging)
        (staging / "config.json").write_text(json.dumps(config, indent=2) + "\n")
        for name in COPIED_FILES:
            if (source / name).is_file():
                shutil.copy2(source / name, staging / name)
        if destination.exists():
            destination.rmdir()
        staging.rename(destination)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return destination
