"""Load a Hugging Face xLSTM checkpoint folder (config.json, safetensors shards, tokenizer.json)."""

import json
from pathlib import Path

import mlx.core as mx
from mlx import nn
from mlx.utils import tree_flatten

from .model import Model, ModelArgs, parse_dtype

REQUIRED_KEYS = (
    ("vocab_size",),
    ("hidden_size", "embedding_dim"),
    ("num_hidden_layers", "num_blocks"),
    ("num_heads",),
)


class CheckpointError(ValueError):
    """A checkpoint folder is missing something or does not match its config."""


def load_config(path: str | Path, **overrides) -> ModelArgs:
    """Read ``config.json`` and apply runtime overrides (see :func:`apply_overrides`)."""
    config_path = Path(path) / "config.json"
    if not config_path.is_file():
        raise CheckpointError(f"config.json not found in {path}")
    try:
        config = json.loads(config_path.read_text())
    except json.JSONDecodeError as err:
        raise CheckpointError(f"config.json is not valid JSON: {err}") from None
    if not isinstance(config, dict):
        raise CheckpointError("config.json must contain a JSON object")
    for alternatives in REQUIRED_KEYS:
        if not any(key in config for key in alternatives):
            raise CheckpointError(
                f"config.json is missing required key {alternatives[0]!r}"
            )
    try:
        return ModelArgs.from_dict(apply_overrides(config, **overrides))
    except (TypeError, ValueError) as err:
        raise CheckpointError(f"config.json: {err}") from None


def apply_overrides(
    config: dict,
    dtype: str | None = None,
    kernel_dtype: str | None = None,
    state_dtype: str | None = None,
    norm_reduction_force_float32: bool | None = None,
    nan_check: bool | None = None,
) -> dict:
    """Runtime settings win over config.json.

    ``dtype`` sets weights, activations and the mLSTM kernel compute;
    ``kernel_dtype`` and ``state_dtype`` override the kernel and recurrent
    state dtypes on their own.
    """
    for name, value in (
        ("dtype", dtype),
        ("kernel_dtype", kernel_dtype),
        ("state_dtype", state_dtype),
    ):
        if value is not None:
            parse_dtype(value, name)
    config = dict(config)
    file_dtype = config.pop("dtype", None) or config.get("torch_dtype") or "float32"
    config["torch_dtype"] = dtype or file_dtype
    if dtype is not None:
        config["autocast_kernel_dtype"] = dtype
    if kernel_dtype is not None:
        config["autocast_kernel_dtype"] = kernel_dtype
    if state_dtype is not None:
        config["inference_state_dtype"] = state_dtype
    if norm_reduction_force_float32 is not None:
        config["norm_reduction_force_float32"] = norm_reduction_force_float32
    if nan_check is not None:
        config["nan_check"] = nan_check
    return config


def weight_files(path: str | Path) -> list[Path]:
    """Shards listed in ``model.safetensors.index.json``, else every ``*.safetensors`` in the folder."""
    path = Path(path)
    index = path / "model.safetensors.index.json"
    if index.is_file():
        try:
            weight_map = json.loads(index.read_text())["weight_map"]
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise CheckpointError(
                f"model.safetensors.index.json is malformed: {err!r}"
            ) from None
        files = [path / name for name in sorted(set(weight_map.values()))]
        missing = [f.name for f in files if not f.is_file()]
        if missing:
            raise CheckpointError(
                f"weight shard(s) listed in the index are missing: {', '.join(missing)}"
            )
        return files
    files = sorted(path.glob("*.safetensors"))
    if not files:
        raise CheckpointError(f"no *.safetensors weights found in {path}")
    return files


def load_weights(model: Model, path: str | Path, dtype: mx.Dtype) -> None:
    """Load, sanitize, validate (names and shapes) and cast the checkpoint weights into ``model``.

    With a ``quantization`` entry in the config, the modules whose ``.scales`` the
    checkpoint holds are quantized first (as mlx-lm does); packed integer weights
    keep their dtype, everything floating is cast to ``dtype``.
    """
    weights = {}
    for file in weight_files(path):
        weights.update(mx.load(str(file)))
    weights = model.sanitize(weights)
    quantization = model.args.quantization
    if quantization is not None:
        nn.quantize(
            model,
            group_size=quantization["group_size"],
            bits=quantization["bits"],
            mode=quantization.get("mode", "affine"),
            class_predicate=lambda name, _: f"{name}.scales" in weights,
        )
    expected = dict(tree_flatten(model.parameters()))
    missing = sorted(set(expected) - set(weights))
    if missing:
        raise CheckpointError(
            f"missing weights: {', '.join(missing[:5])}"
            + (" ..." if len(missing) > 5 else "")
        )
    unexpected = sorted(set(weights) - set(expected))
    if unexpected:
        raise CheckpointError(f"unexpected weights: {', '.join(unexpected[:5])}")
    for key, value in sorted(weights.items()):
        if value.shape != expected[key].shape:
            raise CheckpointError(
                f"weight {key!r} has shape {tuple(value.shape)} but the config expects {tuple(expected[key].shape)}"
            )
    model.load_weights(
        [
            (k, v.astype(dtype) if mx.issubdtype(v.dtype, mx.floating) else v)
            for k, v in weights.items()
        ],
        strict=True,
    )


def load_tokenizer(path: str | Path):
    """The ``tokenizers.Tokenizer`` from ``tokenizer.json``."""
    from tokenizers import Tokenizer

    file = Path(path) / "tokenizer.json"
    if not file.is_file():
        raise CheckpointError(f"tokenizer.json not found in {path}")
    return Tokenizer.from_file(str(file))


def load(
    path: str | Path, tokenizer: bool = True, fuse: bool = True, **overrides
) -> tuple[Model, object]:
    """Build the model from a checkpoint folder; returns ``(model, tokenizer or None)``.

    ``overrides`` are those of :func:`apply_overrides` and reach every block.
    ``fuse`` joins each block's projections into one matmul (see
    :meth:`Model.fuse_projections`); ``convert`` loads unfused to keep the
    checkpoint's module names.
    """
    args = load_config(path, **overrides)
    model = Model(args)
    load_weights(model, path, parse_dtype(args.torch_dtype, "torch_dtype"))
    mx.eval(model.parameters())
    if fuse:
        model.fuse_projections()
    else:
        model.use_matvec_kernels()
    model.eval()
    return model, (load_tokenizer(path) if tokenizer else None)
