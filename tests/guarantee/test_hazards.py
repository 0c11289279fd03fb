"""The guarantee can fail: put the hazards back, watch generation go NaN, let emberlint fix it.

Measured facts (gated demo checkpoint, 256 tokens, prompt 53 = 3 chunks + 5):
only the log-sigmoid hazard produces NaN on its own, and only in float16
(the forget-gate pre-activation drops below -11, ``exp(11.1)`` overflows,
``f_log = -inf`` and the chunk's cumulative sum gives ``-inf - -inf``).
The other hazards are reported but inert in this model: its causal mask never
masks a full row, the ``exp(-m)`` floor keeps the normaliser away from 0, its
activations stay far below the float16 square overflow (~256), and with
``--dtype`` the weights and kernel dtypes coincide.
"""

import re
import shutil

import numpy as np
import pytest
from guarantee_helpers import REPO, generate, run_emberlint
from hazards import HAZARDS, copy_with_hazards

PROMPT_LEN = 3 * 16 + 5
TOKENS = 256
NAN_ALONE = {("unstable-log-sigmoid", "float16")}
# Tolerance: against the shipped model's float32 logits (same tokens), the fixed
# copy in a half dtype may be at most 10% further off than the shipped model in
# that dtype; measured ratios 1.006-1.05, the excess coming from the hazard forms
# the rules do not undo (normaliser and log-sigmoid evaluated in the compute dtype).
HALF_ERROR_RATIO = 1.1
# In float32 the fixed copy differs only by rounding order: measured 2.1e-5 on logits of ~3.
FLOAT32_TOLERANCE = 1e-4

# What run_generation records for a NaN: the model's guard, or its own finiteness check.
NAN_FAILURE = re.compile(r"^step \d+: (NaN/Inf detected in the output of |NaN/Inf in )")


def reported(output: str) -> set[tuple[str, str]]:
    """(file name, code) of every finding in emberlint's default output."""
    return set(re.findall(r"^xlstm_model/(\w+\.py):\d+:\d+: (EMB\d{3})", output, re.MULTILINE))


def expected_findings(hazards) -> set[tuple[str, str]]:
    return {(sub.file, hazard.code) for hazard in hazards for sub in hazard.substitutions}


@pytest.fixture(scope="module")
def hazard_copy(tmp_path_factory):
    root = tmp_path_factory.mktemp("all-hazards")
    copy_with_hazards(root, HAZARDS)
    return root


@pytest.fixture(scope="module")
def fixed_copy(hazard_copy, tmp_path_factory):
    root = tmp_path_factory.mktemp("fixed")
    shutil.copytree(hazard_copy / "xlstm_model", root / "xlstm_model")
    result = run_emberlint("--fix", "--unsafe-fixes", "xlstm_model/", cwd=root)
    return root, result


def test_each_substitution_lands_exactly_where_intended(tmp_path):
    package = copy_with_hazards(tmp_path, HAZARDS)
    for hazard in HAZARDS:
        for sub in hazard.substitutions:
            text = (package / sub.file).read_text()
            assert text.count(sub.new) == 1 and sub.old not in text


def test_emberlint_reports_every_inserted_hazard(hazard_copy):
    result = run_emberlint("xlstm_model/", cwd=hazard_copy)
    assert result.returncode == 1
    assert reported(result.stdout) == expected_findings(HAZARDS)


@pytest.mark.parametrize("hazard", HAZARDS, ids=lambda h: h.name)
def test_each_hazard_alone(hazard, gated_checkpoint, tmp_path):
    copy_with_hazards(tmp_path, [hazard])
    assert reported(run_emberlint("xlstm_model/", cwd=tmp_path).stdout) == expected_findings([hazard])
    for dtype in ("float16", "bfloat16"):
        run = generate(tmp_path, gated_checkpoint, dtype, PROMPT_LEN, TOKENS, tmp_path / f"{dtype}.npz")
        assert run.package.startswith(str(tmp_path))
        expect_nan = (hazard.name, dtype) in NAN_ALONE
        assert (run.failure != "") == expect_nan, (dtype, run.failure)
        if expect_nan:
            assert NAN_FAILURE.search(run.failure), run.failure


def test_all_hazards_make_float16_generation_nan(hazard_copy, gated_checkpoint, tmp_path):
    run = generate(hazard_copy, gated_checkpoint, "float16", PROMPT_LEN, TOKENS, tmp_path / "run.npz")
    assert re.match(r"step \d+: NaN/Inf detected in the output of ", run.failure), run.failure
    bf16 = generate(hazard_copy, gated_checkpoint, "bfloat16", PROMPT_LEN, TOKENS, tmp_path / "bf16.npz")
    assert bf16.failure == ""


def test_fix_removes_every_fixable_hazard(fixed_copy):
    root, result = fixed_copy
    assert "(5 fixed, 1 remaining)" in result.stdout, result.stdout + result.stderr
    remaining = run_emberlint("xlstm_model/", cwd=root)
    # EMB009 has no autofix (the rule leaves the choice of dtype to the user);
    # with --dtype the weights and kernel dtypes coincide, so it cannot change these runs.
    assert reported(remaining.stdout) == {("loading.py", "EMB009")}


@pytest.mark.parametrize("checkpoint", ["demo", "gated"])
def test_fixed_copy_is_finite_and_matches_shipped_model(fixed_copy, checkpoints, checkpoint, tmp_path):
    root, _ = fixed_copy
    path = checkpoints[checkpoint]
    reference32 = generate(REPO, path, "float32", PROMPT_LEN, TOKENS, tmp_path / "ref32.npz")
    fixed32 = generate(root, path, "float32", PROMPT_LEN, TOKENS, tmp_path / "fix32.npz",
                       follow=tmp_path / "ref32.npz")
    assert fixed32.failure == ""
    assert np.abs(fixed32.logits - reference32.logits).max() <= FLOAT32_TOLERANCE
    for dtype in ("bfloat16", "float16"):
        shipped = generate(REPO, path, dtype, PROMPT_LEN, TOKENS, tmp_path / f"ref-{dtype}.npz",
                           follow=tmp_path / "ref32.npz")
        fixed = generate(root, path, dtype, PROMPT_LEN, TOKENS, tmp_path / f"fix-{dtype}.npz",
                         follow=tmp_path / "ref32.npz")
        assert shipped.failure == "" and fixed.failure == "", (dtype, fixed.failure)
        assert fixed.logits.shape == (TOKENS, shipped.logits.shape[1])
        shipped_error = np.abs(shipped.logits - reference32.logits).max()
        fixed_error = np.abs(fixed.logits - reference32.logits).max()
        assert fixed_error <= HALF_ERROR_RATIO * shipped_error, (dtype, fixed_error, shipped_error)
