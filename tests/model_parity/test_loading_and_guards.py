"""Loader validation, runtime overrides reaching every module, and the NaN guard."""

import json
import shutil

import mlx.core as mx
import numpy as np
import pytest
from mlx.utils import tree_flatten
from safetensors.numpy import load_file, save_file

from xlstm_model import load, load_config
from xlstm_model.loading import CheckpointError
from xlstm_model.model import MLSTMBackend, MultiHeadLayerNorm, RMSNorm


@pytest.fixture
def checkpoint_copy(hf_checkpoint, tmp_path):
    path = tmp_path / "ckpt"
    shutil.copytree(hf_checkpoint[0], path)
    return path


def edit_config(path, **changes):
    config = json.loads((path / "config.json").read_text())
    for key, value in changes.items():
        if value is None:
            config.pop(key)
        else:
            config[key] = value
    (path / "config.json").write_text(json.dumps(config))


def test_missing_config(tmp_path):
    with pytest.raises(CheckpointError, match="config.json not found"):
        load(tmp_path)


def test_malformed_json(checkpoint_copy):
    (checkpoint_copy / "config.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        load(checkpoint_copy)


@pytest.mark.parametrize(
    "changes,key",
    [
        ({"num_heads": None}, "num_heads"),
        ({"vocab_size": None}, "vocab_size"),
        ({"hidden_size": "wide", "embedding_dim": "wide"}, "hidden_size"),
        ({"num_heads": 0}, "num_heads"),
        ({"autocast_kernel_dtype": "float8"}, "autocast_kernel_dtype"),
        ({"weight_mode": "triple"}, "weight_mode"),
        ({"num_heads": 3}, "num_heads"),
    ],
)
def test_bad_config_key_is_named(checkpoint_copy, changes, key):
    edit_config(checkpoint_copy, **changes)
    with pytest.raises(CheckpointError, match=key):
        load(checkpoint_copy, tokenizer=False)


def test_missing_weights(checkpoint_copy):
    (checkpoint_copy / "model.safetensors").unlink()
    with pytest.raises(CheckpointError, match="no \\*.safetensors weights"):
        load(checkpoint_copy, tokenizer=False)


def test_missing_tensor_is_named(checkpoint_copy):
    file = checkpoint_copy / "model.safetensors"
    weights = load_file(file)
    del weights["backbone.blocks.1.ffn.proj_down.weight"]
    save_file(weights, file)
    with pytest.raises(CheckpointError, match="backbone.blocks.1.ffn.proj_down.weight"):
        load(checkpoint_copy, tokenizer=False)


def test_wrong_shape_names_key_and_both_shapes(checkpoint_copy):
    file = checkpoint_copy / "model.safetensors"
    weights = load_file(file)
    weights["backbone.blocks.0.mlstm_layer.q.weight"] = np.zeros((32, 128), np.float32)
    save_file(weights, file)
    with pytest.raises(
        CheckpointError,
        match=r"'backbone.blocks.0.mlstm_layer.q.weight'.*\(32, 128\).*\(64, 128\)",
    ):
        load(checkpoint_copy, tokenizer=False)


def test_unknown_dtype_override(hf_checkpoint):
    with pytest.raises(ValueError, match="unknown dtype 'float64'"):
        load(hf_checkpoint[0], tokenizer=False, dtype="float64")


def test_config_aliases_and_dtype_key(checkpoint_copy):
    edit_config(
        checkpoint_copy,
        hidden_size=None,
        num_hidden_layers=None,
        dtype="bfloat16",
        unknown_key=1,
    )
    args = load_config(checkpoint_copy)
    assert (args.hidden_size, args.num_hidden_layers, args.torch_dtype) == (
        128,
        2,
        "bfloat16",
    )


def test_overrides_reach_every_nested_module(hf_checkpoint):
    model, _ = load(
        hf_checkpoint[0],
        tokenizer=False,
        dtype="float16",
        state_dtype="bfloat16",
        norm_reduction_force_float32=False,
        nan_check=True,
    )
    modules = [m for _, m in model.named_modules()]
    norms = [m for m in modules if isinstance(m, (RMSNorm, MultiHeadLayerNorm))]
    cells = [m for m in modules if isinstance(m, MLSTMBackend)]
    assert len(norms) == 2 * 3 + 1 and len(cells) == 2
    assert all(norm.force_float32 is False for norm in norms)
    assert all(
        cell.kernel_dtype == mx.float16 and cell.state_dtype == mx.bfloat16
        for cell in cells
    )
    assert all(block.args.nan_check for block in model.layers)
    assert all(p.dtype == mx.float16 for _, p in tree_flatten(model.parameters()))
    cache = model.make_cache()
    logits = model(mx.array([[1, 2, 3]]), cache)
    assert logits.dtype == mx.float16
    assert {a.dtype for a in cache.arrays} == {mx.bfloat16}


def test_config_values_used_without_overrides(checkpoint_copy):
    edit_config(
        checkpoint_copy,
        norm_reduction_force_float32=False,
        inference_state_dtype="bfloat16",
    )
    model, _ = load(checkpoint_copy, tokenizer=False)
    modules = [m for _, m in model.named_modules()]
    assert not any(m.force_float32 for m in modules if isinstance(m, RMSNorm))
    assert all(
        m.state_dtype == mx.bfloat16 for m in modules if isinstance(m, MLSTMBackend)
    )


def test_nan_guard_names_block_and_module(hf_checkpoint):
    model, _ = load(hf_checkpoint[0], tokenizer=False, nan_check=True)
    weight = model.layers[1].mlstm_layer.multihead_norm.weight
    model.layers[1].mlstm_layer.multihead_norm.weight = mx.where(
        mx.arange(weight.size) == 3, mx.nan, weight
    )
    with pytest.raises(
        ValueError,
        match=r"block 1 mlstm_layer.multihead_norm.*norm_reduction_force_float32",
    ):
        model(mx.array([[1, 2, 3]]))


def test_nan_guard_in_mlstm_cell_suggests_state_dtype(hf_checkpoint):
    model, _ = load(hf_checkpoint[0], tokenizer=False, nan_check=True)
    cache = model.make_cache()
    model(mx.array([[1, 2, 3]]), cache)
    c, n, m = cache[0]
    cache[0] = (c * mx.inf, n, m)
    with pytest.raises(
        ValueError, match=r"block 0 mlstm_layer.mlstm_backend.*state dtype float32"
    ):
        model(mx.array([[4]]), cache)


def test_nan_guard_off_lets_nan_through(hf_checkpoint):
    model, _ = load(hf_checkpoint[0], tokenizer=False)
    model.layers[0].norm_ffn.weight = model.layers[0].norm_ffn.weight * mx.nan
    assert np.isnan(np.array(model(mx.array([[1, 2]])))).all()


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_low_precision_forward_is_finite(hf_checkpoint, dtype):
    model, _ = load(hf_checkpoint[0], tokenizer=False, dtype=dtype, nan_check=True)
    ids = mx.array(np.random.default_rng(0).integers(0, 97, size=(1, 40)))
    ref, _ = load(hf_checkpoint[0], tokenizer=False)
    out, expected = np.array(model(ids).astype(mx.float32)), np.array(ref(ids))
    assert np.isfinite(out).all()
    assert np.abs(out - expected).max() < 0.1 * np.abs(expected).max()
