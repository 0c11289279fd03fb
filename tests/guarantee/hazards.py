"""The numerics hazards emberlint targets, as exact text substitutions into a copy of ``xlstm_model``.

Each hazard is a realistic way to write the same computation the shipped model
does soundly; ``code`` is the emberlint rule that must report it.
"""

import shutil
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "xlstm_model"


@dataclass(frozen=True)
class Substitution:
    file: str
    old: str
    new: str


@dataclass(frozen=True)
class Hazard:
    name: str
    code: str
    substitutions: tuple[Substitution, ...]


HAZARDS = (
    Hazard(
        "infinite-mask",
        "EMB002",
        (
            Substitution(
                "mlstm.py",
                "    log_d = mx.where(causal, log_d, mx.finfo(log_d.dtype).min)\n    m_inter",
                "    log_d = mx.where(causal, log_d, -float(\"inf\"))\n    m_inter",
            ),
            Substitution(
                "sample.py",
                "    return mx.where(logits < kth, mx.finfo(logits.dtype).min, logits)",
                "    return mx.where(logits < kth, -3.4028235e38, logits)",
            ),
        ),
    ),
    Hazard(
        "eps-underflows-float16",
        "EMB005",
        (
            Substitution(
                "mlstm.py",
                "    den32 = mx.maximum(mx.abs(den.astype(mx.float32)), mx.exp(-m.astype(mx.float32)))\n"
                "    return (num.astype(mx.float32) / (den32 + eps)).astype(num.dtype)",
                "    den = mx.maximum(mx.abs(den), mx.exp(-m.astype(num.dtype)))\n"
                "    return num / (den + 1e-8)",
            ),
        ),
    ),
    Hazard(
        "unstable-log-sigmoid",
        "EMB006",
        (
            Substitution(
                "mlstm.py",
                "    f_log = nn.log_sigmoid(f.astype(mx.float32))\n    b = mx.cumsum(",
                "    f_log = (-mx.log(1 + mx.exp(-f))).astype(mx.float32)\n    b = mx.cumsum(",
            ),
        ),
    ),
    Hazard(
        "half-precision-norm-reduction",
        "EMB008",
        (
            Substitution(
                "model.py",
                "        if self.force_float32:\n            x = x.astype(mx.float32)\n"
                "        x = x * mx.rsqrt(mx.mean(mx.square(x), axis=-1, keepdims=True) + self.eps)\n"
                "        x = x.astype(in_dtype) * self.weight\n",
                "        normed = x * mx.rsqrt(mx.mean(mx.square(x), axis=-1, keepdims=True) + self.eps)\n"
                "        x = normed.astype(in_dtype) * self.weight\n",
            ),
        ),
    ),
    Hazard(
        "weights-in-kernel-dtype",
        "EMB009",
        (
            Substitution(
                "loading.py",
                'load_weights(model, path, parse_dtype(args.torch_dtype, "torch_dtype"))',
                'load_weights(model, path, parse_dtype(args.autocast_kernel_dtype, "autocast_kernel_dtype"))',
            ),
        ),
    ),
)

HAZARDS_BY_NAME = {hazard.name: hazard for hazard in HAZARDS}


def copy_with_hazards(destination: Path, hazards) -> Path:
    """Copy the package under ``destination/xlstm_model`` and apply ``hazards``.

    Every substitution must match exactly once, so a change in the shipped
    model that moves the hazard site fails loudly instead of testing nothing.
    """
    package = destination / "xlstm_model"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    for hazard in hazards:
        for sub in hazard.substitutions:
            path = package / sub.file
            text = path.read_text()
            count = text.count(sub.old)
            if count != 1:
                raise AssertionError(f"{hazard.name}: expected 1 match in {sub.file}, found {count}")
            path.write_text(text.replace(sub.old, sub.new))
    return package
