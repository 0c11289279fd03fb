"""Facts across functions and modules (`emberlint.semantic.project`), asked through EMB016:
a mask built in one module, handed down through layers, added to scores in another."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from emberlint.config import Settings
from emberlint.linter import lint_text
from emberlint.registry import select_rules
from emberlint.runner import Runner, RunOptions
from emberlint.semantic import ProjectIndex

BOOLEAN_MASKS = """\
    import mlx.core as mx


    def create_causal_mask(n: int, offset: int = 0):
        rinds = mx.arange(offset + n)
        linds = mx.arange(offset, offset + n)[:, None]
        return linds >= rinds[None]


    def create_attention_mask(h, cache=None):
        n = h.shape[1]
        if n == 1:
            return None
        mask = create_causal_mask(n)
        return mask
"""
ADDITIVE_MASKS = BOOLEAN_MASKS.replace(
    "        mask = create_causal_mask(n)\n",
    "        mask = create_causal_mask(n)\n        mask = mask.astype(h.dtype) * -1e9\n",
)
MODEL = """\
    import mlx.core as mx
    import mlx.nn as nn

    from .base import create_attention_mask


    class Attention(nn.Module):
        def __init__(self, dims: int):
            super().__init__()
            self.proj = nn.Linear(dims, dims)

        def __call__(self, x, mask=None):
            scores = self.proj(x) @ x.swapaxes(-1, -2)
            if mask is not None:
                scores = scores + mask
            return mx.softmax(scores, axis=-1) @ x


    class Block(nn.Module):
        def __init__(self, dims: int):
            super().__init__()
            self.attention = Attention(dims)

        def __call__(self, x, mask=None):
            return x + self.attention(x, mask)


    class Model(nn.Module):
        def __init__(self, dims: int, depth: int):
            super().__init__()
            self.layers = [Block(dims) for _ in range(depth)]

        def __call__(self, h, cache=None):
            mask = create_attention_mask(h, cache)
            for layer, c in zip(self.layers, cache or [None] * len(self.layers)):
                h = layer(h, mask)
            return h
"""
ADDED_LINE = 15  # `scores = scores + mask` in MODEL


def make_package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "pkg" / "models" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    for folder in (root / "pkg", root / "pkg" / "models"):
        (folder / "__init__.py").touch()
    return root / "pkg" / "models"


def emb016_lines(root: Path, name: str, *, project: bool = True) -> list[int]:
    path = root / "pkg" / "models" / name
    index = ProjectIndex(root) if project else None
    found = lint_text(path.read_text(), str(path), select_rules(["EMB016"]), project=index)
    return [finding.line for finding in found]


def test_a_boolean_mask_made_in_another_module_and_added_two_layers_down_is_flagged(tmp_path):
    make_package(tmp_path, {"base.py": BOOLEAN_MASKS, "model.py": MODEL})
    assert emb016_lines(tmp_path, "model.py") == [ADDED_LINE]


def test_without_the_project_the_mask_parameter_is_unknown(tmp_path):
    make_package(tmp_path, {"base.py": BOOLEAN_MASKS, "model.py": MODEL})
    assert emb016_lines(tmp_path, "model.py", project=False) == []


def test_an_additive_mask_from_the_other_module_is_not_flagged(tmp_path):
    make_package(tmp_path, {"base.py": ADDITIVE_MASKS, "model.py": MODEL})
    assert emb016_lines(tmp_path, "model.py") == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        # the code tells boolean from additive masks
        (
            "            if mask is not None:\n                scores = scores + mask\n",
            "            if mask is not None:\n                if mask.dtype == mx.bool_:\n"
            "                    scores = mx.where(mask, scores, mx.finfo(scores.dtype).min)\n"
            "                else:\n                    scores = scores + mask\n",
        ),
        # made additive before it is added
        (
            "            if mask is not None:\n",
            "            mask = mx.where(mask, 0.0, -1e9)\n            if mask is not None:\n",
        ),
        # added to something that is no softmax's input: not an attention mask
        ("            return mx.softmax(scores, axis=-1) @ x\n", "            return scores @ x\n"),
        # the layers are not the attention's holders: nothing passes the mask on
        ("            return x + self.attention(x, mask)\n", "            return x + self.attention(x)\n"),
        # the model builds its own additive mask
        ("            mask = create_attention_mask(h, cache)\n", "            mask = mx.zeros((h.shape[1], h.shape[1]))\n"),
    ],
)
def test_safe_look_alikes(tmp_path, old, new):
    assert old in MODEL
    make_package(tmp_path, {"base.py": BOOLEAN_MASKS, "model.py": MODEL.replace(old, new)})
    assert emb016_lines(tmp_path, "model.py") == []


def test_enumerate_and_a_held_list_of_layers_carry_the_mask(tmp_path):
    model = MODEL.replace(
        "            for layer, c in zip(self.layers, cache or [None] * len(self.layers)):\n",
        "            for index, layer in enumerate(self.layers):\n",
    )
    make_package(tmp_path, {"base.py": BOOLEAN_MASKS, "model.py": model})
    assert emb016_lines(tmp_path, "model.py") == [ADDED_LINE]


ATTEND = """\
    import mlx.core as mx


    def attend(scores, mask):
        scores = scores + mask
        return mx.softmax(scores, axis=-1)
"""
CALLER = """\
    import mlx.core as mx

    from .attend import attend


    def forward(q, k):
        keep = mx.arange(4)[:, None] >= mx.arange(4)[None]
        return attend(q @ k.T, {mask})
"""


def test_callers_in_other_modules_decide_a_parameter(tmp_path):
    make_package(tmp_path, {"attend.py": ATTEND, "caller.py": CALLER.format(mask="keep")})
    assert emb016_lines(tmp_path, "attend.py") == [5]


def test_callers_that_pass_additive_masks_are_not_flagged(tmp_path):
    make_package(
        tmp_path, {"attend.py": ATTEND, "caller.py": CALLER.format(mask="mx.where(keep, 0.0, -1e9)")}
    )
    assert emb016_lines(tmp_path, "attend.py") == []


def test_places_and_relative_imports(tmp_path):
    make_package(tmp_path, {"base.py": BOOLEAN_MASKS})
    index = ProjectIndex(tmp_path)
    assert index.place(tmp_path / "pkg" / "models" / "base.py") == ("pkg.models.base", "pkg.models")
    assert index.place(tmp_path / "pkg" / "models" / "__init__.py") == ("pkg.models", "pkg.models")
    assert index.place(Path("/elsewhere/module.py")) == (None, None)
    assert index.resolve("pkg.models", ".base.create_causal_mask") == ("pkg.models.base", "create_causal_mask")
    assert index.resolve("pkg.models.sub", "..base.f") == ("pkg.models.base", "f")
    assert index.resolve("pkg.models", "pkg.models.base.f") == ("pkg.models.base", "f")
    assert index.resolve("pkg.models", ".missing.f") is None
    assert index.resolve("pkg", "...too_far.f") is None
    assert index.resolve("pkg.models", "mlx.core.where") is None  # not the project's


def test_an_unparsable_module_gives_no_facts(tmp_path):
    make_package(tmp_path, {"base.py": "def create_attention_mask(:\n", "model.py": MODEL})
    assert emb016_lines(tmp_path, "model.py") == []


def test_the_files_a_question_read_are_recorded_with_their_digests(tmp_path):
    make_package(tmp_path, {"base.py": BOOLEAN_MASKS, "model.py": MODEL})
    index = ProjectIndex(tmp_path)
    path = tmp_path / "pkg" / "models" / "model.py"
    lint_text(path.read_text(), str(path), select_rules(["EMB016"]), project=index)
    consulted = index.consulted()
    assert list(consulted) == [tmp_path.resolve() / "pkg" / "models" / "base.py"]
    assert index.consulted() == {}


def test_the_cache_forgets_findings_when_a_module_they_depend_on_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBERLINT_CACHE_DIR", str(tmp_path / "cache"))
    folder = make_package(tmp_path, {"base.py": BOOLEAN_MASKS, "model.py": MODEL})
    files = [folder / "model.py"]

    def run():
        return Runner(Settings(root=tmp_path), select_rules(["EMB016"]), RunOptions()).run(files)

    cold = run()
    assert [finding.line for finding in cold.findings] == [ADDED_LINE]
    warm = run()
    assert warm.cache_hits == 1 and warm.findings == cold.findings
    (folder / "base.py").write_text(textwrap.dedent(ADDITIVE_MASKS))
    changed = run()
    assert changed.linted == 1 and changed.findings == []
