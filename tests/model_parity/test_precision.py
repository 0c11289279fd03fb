"""float32 means float32: importing xlstm_model turns MLX's TF32 matmuls off unless asked for."""

import os
import subprocess
import sys

import mlx.core as mx
import numpy as np
import pytest

from xlstm_model.kernels import gpu_backend


@pytest.mark.parametrize("preset,expected", [(None, "0"), ("1", "1"), ("0", "0")])
def test_import_sets_exact_float32_unless_tf32_is_asked_for(preset, expected):
    env = {k: v for k, v in os.environ.items() if k != "MLX_ENABLE_TF32"}
    if preset is not None:
        env["MLX_ENABLE_TF32"] = preset
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, xlstm_model; print(os.environ['MLX_ENABLE_TF32'])",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert result.stdout.strip() == expected


@pytest.mark.skipif(
    gpu_backend() != "cuda",
    reason="TF32 applies to MLX's CUDA backend only; this MLX has none",
)
def test_float32_matmul_is_exact_on_cuda():
    """With TF32 a 1024-deep float32 product errs by ~3e-4 relative; exact float32 by ~1e-6."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((512, 1024), dtype=np.float32)
    b = rng.standard_normal((1024, 512), dtype=np.float32)
    exact = a.astype(np.float64) @ b.astype(np.float64)
    got = np.array(mx.array(a) @ mx.array(b)).astype(np.float64)
    assert np.linalg.norm(got - exact) / np.linalg.norm(exact) < 1e-5
