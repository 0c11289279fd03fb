"""init-demo checkpoints and the generation CLI (end to end, via subprocess)."""

import json
import shutil
import subprocess
import sys

import mlx.core as mx
import numpy as np
import pytest
import torch
from transformers import xLSTMForCausalLM

from xlstm_model import generate_step, load
from xlstm_model.cli import init_demo


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "xlstm_model.generate", *args],
        capture_output=True,
        check=False,
        text=True,
        timeout=120,
    )


def test_demo_folder_layout_and_special_tokens(demo_checkpoint):
    names = {p.name for p in demo_checkpoint.iterdir()}
    assert {"config.json", "tokenizer.json", "model.safetensors.index.json"} <= names
    assert {
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
    } <= names
    config = json.loads((demo_checkpoint / "config.json").read_text())
    _, tokenizer = load(demo_checkpoint)
    assert 256 < config["vocab_size"] == tokenizer.get_vocab_size() <= 1024
    for key, token in (
        ("bos_token_id", "<|bos|>"),
        ("pad_token_id", "<|pad|>"),
        ("eos_token_id", "<|endoftext|>"),
    ):
        assert tokenizer.token_to_id(token) == config[key]
    assert (
        tokenizer.decode(tokenizer.encode("The lamp was lit.").ids)
        == "The lamp was lit."
    )


def test_demo_is_deterministic_per_seed(demo_checkpoint, tmp_path):
    again = init_demo(tmp_path / "again", "tiny", seed=0)
    other = init_demo(tmp_path / "other", "tiny", seed=1)
    for name in ("config.json", "tokenizer.json", "model-00001-of-00002.safetensors"):
        assert (again / name).read_bytes() == (demo_checkpoint / name).read_bytes()
    assert (other / "model-00001-of-00002.safetensors").read_bytes() != (
        again / "model-00001-of-00002.safetensors"
    ).read_bytes()


def test_demo_loads_in_transformers_and_matches(demo_checkpoint):
    hf = xLSTMForCausalLM.from_pretrained(demo_checkpoint).eval()
    model, tokenizer = load(demo_checkpoint)
    ids = tokenizer.encode("On the first morning of spring the keeper").ids
    with torch.no_grad():
        expected = hf(torch.tensor([ids])).logits.numpy()
        greedy = hf.generate(torch.tensor([ids]), max_new_tokens=16, do_sample=False)[
            0, len(ids) :
        ].tolist()
    assert np.abs(np.array(model(mx.array([ids]))) - expected).max() <= 1e-4
    ours = []
    for token in generate_step(mx.array(ids), model, max_tokens=16):
        ours.append(token)
        if token == model.args.eos_token_id:
            break
    assert ours == greedy


def test_cli_streams_only_generated_text(demo_checkpoint):
    prompt = "The garden by the river"
    result = run_cli(
        "--model", str(demo_checkpoint), "--prompt", prompt, "--max-tokens", "12"
    )
    assert result.returncode == 0, result.stderr
    model, tokenizer = load(demo_checkpoint)
    tokens = list(
        generate_step(mx.array(tokenizer.encode(prompt).ids), model, max_tokens=12)
    )
    if model.args.eos_token_id in tokens:
        tokens = tokens[: tokens.index(model.args.eos_token_id)]
    assert result.stdout == tokenizer.decode(tokens)
    assert (
        "prompt:" in result.stderr
        and "decode:" in result.stderr
        and "tokens/s" in result.stderr
    )


def test_cli_sampling_options_and_seed(demo_checkpoint):
    """Same seed, same text; another seed or a greedy temperature changes it, so the
    sampling flags reach the sampler."""

    def generate(seed: str, temperature: str) -> str:
        result = run_cli(
            "--model", str(demo_checkpoint), "--prompt", "Dear friend", "--max-tokens", "10",
            "--temperature", temperature, "--top-p", "0.9", "--top-k", "40", "--seed", seed,
            "--dtype", "bfloat16", "--nan-check",
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    first = generate("7", "0.9")
    assert first == generate("7", "0.9")
    # Random weights spread the probability widely: other seeds sample other text.
    sampled = {first, *(generate(seed, "0.9") for seed in ("8", "9"))}
    assert len(sampled) > 1
    greedy = generate("7", "0.0")
    assert greedy == generate("8", "0.0")  # temperature 0 is greedy: the seed no longer matters
    assert sampled - {greedy}


@pytest.mark.parametrize(
    "args,message",
    [
        (["--prompt", "", "--max-tokens", "5"], "prompt"),
        (["--prompt", "hi", "--max-tokens", "0"], "max-tokens"),
        (["--prompt", "hi", "--dtype", "float64"], "unknown dtype 'float64'"),
    ],
)
def test_cli_bad_arguments(demo_checkpoint, args, message):
    result = run_cli("--model", str(demo_checkpoint), *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_cli_bad_checkpoint(demo_checkpoint, tmp_path):
    result = run_cli("--model", str(tmp_path), "--prompt", "hi")
    assert result.returncode == 2 and "config.json not found" in result.stderr
    (tmp_path / "config.json").write_text(
        (demo_checkpoint / "config.json")
        .read_text()
        .replace('"num_heads"', '"n_heads"')
    )
    result = run_cli("--model", str(tmp_path), "--prompt", "hi")
    assert (
        result.returncode == 2
        and "'num_heads'" in result.stderr
        and "Traceback" not in result.stderr
    )
    (tmp_path / "config.json").write_text((demo_checkpoint / "config.json").read_text())
    result = run_cli("--model", str(tmp_path), "--prompt", "hi")
    assert result.returncode == 2 and "no *.safetensors weights" in result.stderr


def test_cli_wrong_shape_names_key_and_shapes(demo_checkpoint, tmp_path):
    path = tmp_path / "ckpt"
    shutil.copytree(demo_checkpoint, path)
    config = json.loads((path / "config.json").read_text())
    config["hidden_size"] = config["embedding_dim"] = 192
    (path / "config.json").write_text(json.dumps(config))
    result = run_cli("--model", str(path), "--prompt", "hi")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        "'backbone.blocks.0.ffn.proj_down.weight' has shape (128, 384) but the config expects (192, 512)"
        in result.stderr
    )


def test_init_demo_cli(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "xlstm_model.cli",
            "init-demo",
            str(tmp_path / "d"),
            "--config",
            "tiny",
            "--seed",
            "3",
        ],
        capture_output=True,
        check=False,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    model, _ = load(tmp_path / "d")
    assert model.args.num_hidden_layers == 2
