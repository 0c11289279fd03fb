"""Checkpoints and the generation subprocess shared by the guarantee tests."""

import json
import math
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from xlstm_model.cli import demo_config, init_demo, init_weights, save_sharded

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
GATE_STD = 8.0


def trained_gate_checkpoint(path: Path, seed: int = 0) -> Path:
    """The tiny demo checkpoint with input/forget gate weights at std ``GATE_STD / sqrt(d)``.

    init-demo (transformers' init) zeroes the gate weights, so every forget
    gate sits at its bias 3..6 and the gate path never sees a negative
    pre-activation. In a trained model the pre-activations span the soft cap
    (+-15); this spreads them to std ~8 so the gate path is exercised.
    """
    import mlx.core as mx

    init_demo(path, config="tiny", seed=seed)
    config = json.loads((path / "config.json").read_text())
    rng = np.random.default_rng(seed + 1)
    std = GATE_STD / math.sqrt(config["hidden_size"])
    for shard in sorted(path.glob("*.safetensors")):
        weights = dict(mx.load(str(shard)))
        for key in weights:
            if key.endswith(("igate_preact.weight", "fgate_preact.weight")):
                weights[key] = mx.array(rng.normal(0, std, weights[key].shape).astype(np.float32))
        mx.save_safetensors(str(shard), weights, metadata={"format": "pt"})
    return path


def seven_b_shaped_checkpoint(path: Path, vocab_size: int = 512, seed: int = 0) -> Path:
    """xLSTM-7B's block shape (d=4096, 8 heads, caps 15/30, qk 0.5, v 1, ffn 2.667->64) cut to 2 blocks."""
    path.mkdir(parents=True, exist_ok=True)
    config = demo_config("tiny", vocab_size)
    config.update(hidden_size=4096, embedding_dim=4096, num_hidden_layers=2, num_blocks=2,
                  num_heads=8, chunk_size=64)
    (path / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    save_sharded(init_weights(config, seed), path)
    return path


@dataclass
class Generation:
    logits: np.ndarray  # (steps, vocab) float32, finite steps only
    failure: str  # "" when every step was finite
    package: str


def generate(package_root: Path, checkpoint: Path, dtype: str, prompt_len: int, tokens: int,
             out: Path, follow: Path | None = None) -> Generation:
    """Run run_generation.py in a fresh interpreter importing xlstm_model from package_root
    (teacher-forced on the tokens of the earlier run saved at ``follow``, if given)."""
    subprocess.run(
        [sys.executable, str(HERE / "run_generation.py"), str(package_root), str(checkpoint),
         dtype, str(prompt_len), str(tokens), str(out), *([str(follow)] if follow else [])],
        check=True, cwd=package_root,
    )
    data = np.load(out)
    return Generation(data["logits"], str(data["failure"]), str(data["package"]))


def run_emberlint(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "emberlint", *args], cwd=cwd,
                          capture_output=True, text=True)
