"""``xlstm-model convert --quantize``: mlx-lm layout, loading, generation and bad input."""

import json
import shutil
import subprocess
import sys

import mlx.core as mx
import numpy as np
import pytest
from mlx import nn
from mlx.utils import tree_flatten

from xlstm_model import load
from xlstm_model.loading import CheckpointError, load_config
from xlstm_model.model import Model


def run_module(module: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        check=False,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def quantized(demo_checkpoint, tmp_path_factory):
    """{bits: folder} for the tiny demo converted at 4 and 8 bits, group size 64."""
    root = tmp_path_factory.mktemp("quantized")
    folders = {}
    for bits in (4, 8):
        folder = root / f"q{bits}"
        result = run_module(
            "xlstm_model.cli",
            "convert",
            str(demo_checkpoint),
            str(folder),
            "--quantize",
            "--bits",
            str(bits),
        )
        assert result.returncode == 0, result.stderr
        folders[bits] = folder
    return folders


def prompt_ids(vocab: int) -> mx.array:
    return mx.array(np.random.default_rng(0).integers(0, vocab, size=(1, 40)))


def test_config_records_quantization_like_mlx_lm(quantized, demo_checkpoint):
    config = json.loads((quantized[4] / "config.json").read_text())
    expected = {"group_size": 64, "bits": 4, "mode": "affine"}
    assert config["quantization"] == config["quantization_config"] == expected
    assert {p.name for p in quantized[4].iterdir()} >= {
        "tokenizer.json",
        "model.safetensors.index.json",
    }
    source = json.loads((demo_checkpoint / "config.json").read_text())
    assert config["hidden_size"] == source["hidden_size"]


def test_quantized_modules_gates_and_norms(quantized):
    model, _ = load(quantized[4], tokenizer=False, fuse=False)
    layer = model.layers[0]
    assert isinstance(model.backbone.embeddings, nn.QuantizedEmbedding)
    assert isinstance(model.lm_head, nn.QuantizedLinear)
    for name in ("q", "k", "v", "ogate_preact", "out_proj"):
        assert isinstance(layer.mlstm_layer[name], nn.QuantizedLinear), name
    for name in ("igate_preact", "fgate_preact"):
        assert type(layer.mlstm_layer[name]) is nn.Linear, name
    assert isinstance(layer.ffn.proj_down, nn.QuantizedLinear)
    assert layer.norm_mlstm.weight.dtype == mx.float32


def dequantized_model(folder) -> Model:
    """The same network with every quantized weight expanded back to float32."""
    quantized_model, _ = load(folder, tokenizer=False, fuse=False)
    args = load_config(folder)
    args.quantization = None
    model = Model(args)
    weights = []
    for path, module in quantized_model.named_modules():
        if isinstance(module, (nn.QuantizedLinear, nn.QuantizedEmbedding)):
            weights.append(
                (
                    f"{path}.weight",
                    mx.dequantize(
                        module.weight,
                        module.scales,
                        module.biases,
                        module.group_size,
                        module.bits,
                    ),
                )
            )
            if "bias" in module:
                weights.append((f"{path}.bias", module.bias))
    quantized_names = {name.rsplit(".", 1)[0] for name, _ in weights}
    for name, value in tree_flatten(quantized_model.parameters()):
        if name.rsplit(".", 1)[0] not in quantized_names:
            weights.append((name, value))
    model.load_weights(weights, strict=True)
    return model


@pytest.mark.parametrize("bits", [4, 8])
def test_quantized_model_computes_the_dequantized_network(quantized, bits):
    """The fused, quantized matmuls compute what the float network of the same weights does."""
    model, _ = load(quantized[bits], tokenizer=False)
    ids = prompt_ids(model.args.vocab_size)
    expected = np.array(dequantized_model(quantized[bits])(ids))
    np.testing.assert_allclose(np.array(model(ids)), expected, atol=1e-4, rtol=1e-4)


def test_logits_close_to_unquantized(quantized, demo_checkpoint):
    """Bounds measured on this demo (random weights, hidden 128): mean |dlogit| 0.013 at 8 bits,
    0.22 at 4 bits, against a logit standard deviation of 0.63."""
    reference, _ = load(demo_checkpoint, tokenizer=False)
    ids = prompt_ids(reference.args.vocab_size)
    ref = np.array(reference(ids))
    errors = {}
    for bits, folder in quantized.items():
        model, _ = load(folder, tokenizer=False)
        errors[bits] = np.abs(np.array(model(ids)) - ref).mean()
    assert errors[8] < 0.05 * ref.std()
    assert errors[4] < 0.6 * ref.std()
    assert errors[8] < errors[4] / 4


def test_generate_cli_reads_quantized_folder(quantized):
    result = run_module(
        "xlstm_model.generate",
        "--model",
        str(quantized[8]),
        "--prompt",
        "The keeper",
        "--max-tokens",
        "12",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout and "decode: " in result.stderr


@pytest.mark.parametrize(
    "args,message",
    [
        (
            ["--quantize", "--bits", "7"],
            "--bits must be one of 2, 3, 4, 5, 6, 8, got 7",
        ),
        (["--quantize", "--group-size", "48"], "--group-size must be one of"),
        (["--bits", "8"], "--bits and --group-size need --quantize"),
    ],
)
def test_convert_bad_arguments(demo_checkpoint, tmp_path, args, message):
    result = run_module(
        "xlstm_model.cli", "convert", str(demo_checkpoint), str(tmp_path / "out"), *args
    )
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == []


def test_convert_refuses_non_empty_destination_and_keeps_it(demo_checkpoint, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    result = run_module(
        "xlstm_model.cli", "convert", str(demo_checkpoint), str(tmp_path / "out")
    )
    assert result.returncode == 2 and "exists and is not empty" in result.stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["notes.txt"]


def test_convert_bad_source_leaves_nothing(tmp_path):
    (tmp_path / "src").mkdir()
    result = run_module(
        "xlstm_model.cli", "convert", str(tmp_path / "src"), str(tmp_path / "out")
    )
    assert result.returncode == 2 and "config.json not found" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]


def test_requantizing_is_refused(quantized, tmp_path):
    result = run_module(
        "xlstm_model.cli",
        "convert",
        str(quantized[4]),
        str(tmp_path / "again"),
        "--quantize",
    )
    assert result.returncode == 2 and "already quantized" in result.stderr


@pytest.mark.parametrize(
    "entry,key",
    [
        ({"group_size": 64, "bits": 7}, "quantization.bits"),
        ({"group_size": 100, "bits": 4}, "quantization.group_size"),
        ({"group_size": 64, "bits": 4, "mode": "mxfp4"}, "quantization.mode"),
        ("4bit", "quantization"),
    ],
)
def test_bad_quantization_entry_is_named(quantized, tmp_path, entry, key):
    folder = tmp_path / "q"
    shutil.copytree(quantized[4], folder)
    config = json.loads((folder / "config.json").read_text())
    config["quantization"] = entry
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match=key):
        load(folder, tokenizer=False)
