"""Every CUDA kernel source compiles for the H100 (sm_90) without spilling, checked with nvcc.

MLX compiles a custom kernel only when it first runs on a CUDA device, so without one a typo in
a kernel string goes unnoticed. This test wraps each source as ``mx.fast.cuda_kernel`` does (the
inputs as ``const T*``, the outputs as ``T*``, the template arguments as constants) and compiles
it with nvcc; it skips where nvcc is not installed. CUDA's own bf16/fp16 headers stand in for
MLX's device utilities, which these kernels do not use.
"""

import re
import shutil
import subprocess

import mlx.core as mx
import pytest

from xlstm_model import kernels, norm_kernels, quant_kernels

pytestmark = pytest.mark.skipif(
    shutil.which("nvcc") is None, reason="nvcc (the CUDA compiler) is not installed"
)

CUDA_TYPES = {
    mx.float32: "float",
    mx.bfloat16: "__nv_bfloat16",
    mx.float16: "__half",
    mx.uint32: "uint32_t",
}
HEADER = "#include <cuda_bf16.h>\n#include <cuda_fp16.h>\n#include <cstdint>\n"


def wrap(header, source, inputs, outputs, template) -> str:
    """The translation unit MLX generates for a custom kernel."""
    params = [f"const {CUDA_TYPES[dtype]}* {name}" for name, dtype in inputs]
    params += [f"{CUDA_TYPES[dtype]}* {name}" for name, dtype in outputs]
    constants = "".join(
        f"  using {name} = {CUDA_TYPES[value]};\n"
        if isinstance(value, mx.Dtype)
        else f"  constexpr int {name} = {value};\n"
        for name, value in template
    )
    return (
        f"{HEADER}{header}\n__global__ void kernel({', '.join(params)}) {{\n"
        f"{constants}{source}\n}}\n"
    )


def compile_report(tmp_path, unit: str) -> str:
    path = tmp_path / "kernel.cu"
    path.write_text(unit)
    result = subprocess.run(
        ["nvcc", "-std=c++17", "-arch=sm_90", "-cubin", "-Xptxas", "-v",
         "-o", str(tmp_path / "kernel.cubin"), str(path)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stderr


def assert_no_spills(report: str):
    spills = [int(n) for n in re.findall(r"(\d+) bytes spill (?:stores|loads)", report)]
    assert spills and not any(spills), report


def splice(source: str, delta: bool, bias: bool) -> str:
    """The optional-input lines as norm_kernels._kernel splices them."""
    source = source.replace("ADD_DELTA", norm_kernels._ADD_DELTA if delta else "")
    for target in ("out", "scaled"):
        source = source.replace(
            f"ADD_BIAS({target})", norm_kernels._ADD_BIAS.format(target) if bias else ""
        )
    return source


@pytest.mark.parametrize("dtype", [mx.bfloat16, mx.float32])
@pytest.mark.parametrize("delta,bias", [(True, False), (False, True)])
def test_residual_rms_norm_compiles(tmp_path, dtype, delta, bias):
    names = ["x"] + ["delta"] * delta + ["weight"] + ["bias"] * bias
    inputs = [(name, dtype) for name in names] + [("params", mx.float32)]
    outputs = [(name, dtype) for name in ["x_out"] * delta + ["y"]]
    unit = wrap(norm_kernels._BLOCK_SUM, splice(norm_kernels._RMS_SOURCE, delta, bias),
                inputs, outputs, [("T", dtype), ("D", 4096), ("TPB", 256)])
    assert_no_spills(compile_report(tmp_path, unit))


@pytest.mark.parametrize("bias", [False, True])
def test_head_norm_gate_compiles(tmp_path, bias):
    inputs = [(name, mx.bfloat16) for name in ["h", "proj", "weight"] + ["bias"] * bias]
    unit = wrap(norm_kernels._BLOCK_SUM, splice(norm_kernels._HEAD_SOURCE, False, bias),
                inputs + [("params", mx.float32)], [("out", mx.bfloat16)],
                [("T", mx.bfloat16), ("H", 8), ("DV", 512), ("TPB", 256),
                 ("PROJ_STRIDE", 12304), ("O_OFF", 8192)])
    assert_no_spills(compile_report(tmp_path, unit))


@pytest.mark.parametrize("bits", [4, 8])
@pytest.mark.parametrize("input_dims", [4096, 10944])
def test_quantized_matvec_compiles(tmp_path, bits, input_dims):
    inputs = [("x", mx.bfloat16), ("w", mx.uint32), ("scales", mx.bfloat16), ("biases", mx.bfloat16)]
    unit = wrap("", quant_kernels._SOURCE, inputs, [("y", mx.bfloat16)],
                [("T", mx.bfloat16), ("K", input_dims), ("N", 12288), ("BITS", bits), ("GS", 64),
                 ("WARPS_PER_BLOCK", quant_kernels.WARPS), ("ROWS_PER_WARP", quant_kernels.ROWS)])
    assert_no_spills(compile_report(tmp_path, unit))


def test_step_kernel_compiles(tmp_path):
    inputs = [("proj", mx.bfloat16), ("gates", mx.bfloat16), ("c", mx.float32),
              ("n", mx.float32), ("m", mx.float32), ("params", mx.float32)]
    outputs = [("h", mx.bfloat16), ("c_out", mx.float32), ("n_out", mx.float32), ("m_out", mx.float32)]
    template = [("T", mx.bfloat16), ("S", mx.float32), ("H", 8), ("DQK", 256), ("DV", 512),
                ("DSPLIT", 32), ("TJ", 32), ("PROJ_STRIDE", 12304), ("Q_OFF", 0), ("K_OFF", 2048),
                ("V_OFF", 4096), ("GATE_STRIDE", 12304), ("I_OFF", 12288), ("F_OFF", 12296)]
    unit = wrap("", kernels._CUDA_SOURCE, inputs, outputs, template)
    assert_no_spills(compile_report(tmp_path, unit))
