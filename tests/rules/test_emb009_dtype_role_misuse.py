"""EMB009: dtype roles of the xLSTM config schema, flagged by name."""

from __future__ import annotations

import pytest
from extended_rule_helpers import findings

HEADER = "import mlx.core as mx\nimport mlx.nn as nn\nfrom mlx.utils import tree_map\n\n"

FLAGGED = {
    "set_dtype with the kernel dtype": "def load(model, args):\n    model.set_dtype(getattr(mx, args.autocast_kernel_dtype))\n",
    "load_weights given the kernel dtype": (
        "def load(path, args):\n    load_weights(model, path, parse_dtype(args.autocast_kernel_dtype, 'autocast_kernel_dtype'))\n"
    ),
    "weights cast in a loader": (
        "def sanitize(weights, config):\n"
        "    dtype = parse_dtype(config['autocast_kernel_dtype'])\n"
        "    return {k: v.astype(dtype) for k, v in weights.items()}\n"
    ),
    "parameter tree cast": (
        "def cast(model, kernel_dtype):\n"
        "    model.update(tree_map(lambda p: p.astype(kernel_dtype), model.parameters()))\n"
    ),
    "self.weight cast": (
        "class Norm(nn.Module):\n    def __init__(self, args):\n"
        "        self.weight = mx.ones((4,)).astype(args.autocast_kernel_dtype)\n"
    ),
    "state created in the kernel dtype": (
        "class Cell(nn.Module):\n    def __init__(self, args):\n"
        "        self.kernel_dtype = args.autocast_kernel_dtype\n"
        "        self.state_dtype = args.inference_state_dtype\n"
        "    def __call__(self, q, state=None):\n"
        "        if state is None:\n            state = init_state(1, 2, self.kernel_dtype)\n"
        "        return state\n"
    ),
    "state cast to the kernel dtype": (
        "class Cell(nn.Module):\n    def __init__(self, args):\n"
        "        self.kernel_dtype = args.autocast_kernel_dtype\n"
        "        self.state_dtype = args.inference_state_dtype\n"
        "    def __call__(self, q, state):\n"
        "        return tuple(s.astype(self.kernel_dtype) for s in state)\n"
    ),
    "override ignored": (
        "def from_dict(cls, config, torch_dtype=None):\n    return cls(dtype=config['torch_dtype'])\n"
    ),
    "override ignored via get and a suffix": (
        "def from_config(config, state_dtype=None):\n    return config.get('inference_state_dtype')\n"
    ),
}

CLEAN = {
    "weights in torch_dtype": "def load(model, args):\n    model.set_dtype(getattr(mx, args.torch_dtype))\n",
    "activations cast to the kernel dtype": (
        "class Cell(nn.Module):\n    def __init__(self, args):\n"
        "        self.kernel_dtype = args.autocast_kernel_dtype\n"
        "        self.state_dtype = args.inference_state_dtype\n"
        "    def __call__(self, q, k, v, state):\n"
        "        q, k, v = (x.astype(self.kernel_dtype) for x in (q, k, v))\n"
        "        state = tuple(s.astype(self.state_dtype) for s in state)\n"
        "        return q @ state[0].astype(self.kernel_dtype)\n"
    ),
    "state created in the state dtype": (
        "class Cell(nn.Module):\n    def __init__(self, args):\n"
        "        self.state_dtype = args.inference_state_dtype\n"
        "    def __call__(self, q, state=None):\n"
        "        return init_state(1, 2, self.state_dtype) if state is None else state\n"
    ),
    "override applied": (
        "def from_dict(cls, config, torch_dtype=None):\n    return cls(dtype=torch_dtype or config['torch_dtype'])\n"
    ),
    "override written into the config": (
        "def apply(config, state_dtype=None):\n    config['inference_state_dtype'] = state_dtype\n    return config\n"
    ),
    "unrelated key": "def build(config, vocab=None):\n    return config['torch_dtype'], vocab\n",
    "suffix of a non-dtype key": (
        "def call(ids, mask=None, **kwargs):\n    return kwargs.get('images_seq_mask', None)\n"
    ),
    "parameters in float32": (
        "def cast(model):\n    model.update(tree_map(lambda p: p.astype(mx.float32), model.parameters()))\n"
    ),
}


@pytest.mark.parametrize("name", sorted(FLAGGED))
def test_flagged(name):
    assert len(findings("EMB009", HEADER + FLAGGED[name])) >= 1


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_not_flagged(name):
    assert findings("EMB009", HEADER + CLEAN[name]) == []


def test_the_xlstm_model_itself_is_clean():
    from pathlib import Path

    package = Path(__file__).resolve().parents[2] / "xlstm_model"
    for path in sorted(package.glob("*.py")):
        assert findings("EMB009", path.read_text()) == [], path.name
