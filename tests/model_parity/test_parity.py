"""Float32 parity against transformers' xLSTMForCausalLM (native torch kernels)."""

import mlx.core as mx
import numpy as np
import pytest
import torch
from xlstm_testutils import VOCAB, make_hf_model

from xlstm_model import ModelArgs, load
from xlstm_model.model import Model
from xlstm_model.sample import generate_step

CONFIGS = {
    "chunk16": {"seed": 0},
    "chunk64_8heads": {
        "seed": 1,
        "num_hidden_layers": 3,
        "num_heads": 8,
        "chunk_size": 64,
    },
}


@pytest.fixture(scope="module", params=sorted(CONFIGS))
def pair(request, tmp_path_factory):
    """(torch model, MLX model loaded from the torch model's save_pretrained folder)."""
    hf = make_hf_model(**CONFIGS[request.param])
    path = tmp_path_factory.mktemp(request.param)
    hf.save_pretrained(path)
    model, _ = load(path, tokenizer=False)
    return hf, model


def token_ids(batch: int, length: int, seed: int = 0, vocab: int = VOCAB) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, vocab, size=(batch, length))


@pytest.mark.parametrize("length", [1, 17, 64, 200])
def test_prefill_logits_match(pair, length):
    hf, model = pair
    ids = token_ids(2, length, seed=length)
    with torch.no_grad():
        expected = hf(torch.from_numpy(ids)).logits.numpy()
    logits = np.array(model(mx.array(ids)))
    assert logits.shape == expected.shape
    assert np.abs(logits - expected).max() <= 1e-4


def test_recurrent_decode_matches_step_by_step(pair):
    hf, model = pair
    ids = token_ids(1, 21, seed=3)
    steps = token_ids(1, 8, seed=4)
    cache = model.make_cache()
    with torch.no_grad():
        out = hf(torch.from_numpy(ids), use_cache=True)
        np.testing.assert_allclose(
            np.array(model(mx.array(ids), cache)), out.logits.numpy(), atol=1e-4
        )
        hf_cache = out.cache_params
        for t in range(steps.shape[1]):
            token = steps[:, t : t + 1]
            out = hf(torch.from_numpy(token), cache_params=hf_cache, use_cache=True)
            hf_cache = out.cache_params
            np.testing.assert_allclose(
                np.array(model(mx.array(token), cache)), out.logits.numpy(), atol=1e-4
            )
    assert cache.offset == 21 + steps.shape[1]
    for idx, (c, n, m) in enumerate(cache.states):
        hf_c, hf_n, hf_m = (s.numpy() for s in hf_cache.rnn_state[idx])
        np.testing.assert_allclose(np.array(m), hf_m, atol=1e-4)
        np.testing.assert_allclose(np.array(n), hf_n, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(np.array(c), hf_c, rtol=1e-4, atol=1e-4)


def test_greedy_generation_64_tokens_identical(pair):
    hf, model = pair
    prompt = token_ids(1, 12, seed=5)
    with torch.no_grad():
        expected = hf.generate(
            torch.from_numpy(prompt),
            max_new_tokens=64,
            min_new_tokens=64,
            do_sample=False,
            eos_token_id=None,
        )[0, prompt.shape[1] :].tolist()
    tokens = list(generate_step(mx.array(prompt[0]), model, max_tokens=64))
    assert tokens == expected


def fuse_state_dict(state: dict, num_heads: int) -> dict:
    """Rewrite single-mode weights into the fused layout transformers uses for weight_mode='fused'."""
    fused = {}
    for key, value in state.items():
        prefix = key.rsplit(".", 2)[0]
        if key.endswith("mlstm_layer.q.weight"):
            parts = [
                state[f"{prefix}.{name}.weight"]
                for name in ("q", "k", "v", "ogate_preact")
            ]
            fused[f"{prefix}.qkv_opreact.weight"] = np.concatenate(parts)
        elif key.endswith("mlstm_layer.igate_preact.weight"):
            for suffix in ("weight", "bias"):
                parts = [
                    state[f"{prefix}.{gate}_preact.{suffix}"]
                    for gate in ("igate", "fgate")
                ]
                fused[f"{prefix}.ifgate_preact.{suffix}"] = np.concatenate(parts)
        elif key.endswith("ffn.proj_up_gate.weight"):
            fused[f"{prefix}.proj_up_gate_z.weight"] = np.concatenate(
                [value, state[f"{prefix}.proj_up.weight"]]
            )
        elif not any(
            f".{name}." in key
            for name in (
                "q",
                "k",
                "v",
                "ogate_preact",
                "igate_preact",
                "fgate_preact",
                "proj_up",
            )
        ):
            fused[key] = value
    return fused


def test_fused_weight_mode_matches_single():
    hf = make_hf_model(seed=2)
    state = {k: v.numpy() for k, v in hf.state_dict().items()}
    args = ModelArgs.from_dict({**hf.config.to_dict(), "weight_mode": "fused"})
    model = Model(args)
    model.load_weights(
        [(k, mx.array(v)) for k, v in fuse_state_dict(state, args.num_heads).items()],
        strict=True,
    )
    ids = token_ids(1, 40, seed=6)
    with torch.no_grad():
        expected = hf(torch.from_numpy(ids)).logits.numpy()
    assert np.abs(np.array(model(mx.array(ids))) - expected).max() <= 1e-4


def test_7b_shaped_block_layerwise():
    """One block at xLSTM-7B dims (4096 wide, 8 heads, qk factor 0.5, caps 15/30), small vocab."""
    hf = make_hf_model(
        seed=3,
        std=0.01,
        vocab_size=64,
        hidden_size=4096,
        num_hidden_layers=1,
        num_heads=8,
        qk_dim_factor=0.5,
        v_dim_factor=1.0,
        ffn_proj_factor=2.667,
        ffn_round_up_to_multiple_of=64,
        gate_soft_cap=15.0,
        output_logit_soft_cap=30.0,
        chunk_size=64,
    )
    args = ModelArgs.from_dict(hf.config.to_dict())
    assert (args.qk_dim, args.v_dim, args.ffn_dim) == (2048, 4096, 10944)
    model = Model(args)
    model.load_weights(
        [(k, mx.array(v.numpy())) for k, v in hf.state_dict().items()], strict=True
    )
    ids = token_ids(1, 9, seed=7, vocab=64)
    with torch.no_grad():
        hf_x = hf.backbone.embeddings(torch.from_numpy(ids))
        hf_block, _ = hf.backbone.blocks[0](hf_x)
        hf_logits = hf(torch.from_numpy(ids)).logits.numpy()
    x = model.backbone.embeddings(mx.array(ids))
    np.testing.assert_allclose(np.array(x), hf_x.numpy(), atol=0)
    block_out, _ = model.backbone.blocks[0](x, None)
    np.testing.assert_allclose(
        np.array(block_out), hf_block.numpy(), atol=1e-4, rtol=1e-4
    )
    assert np.abs(np.array(model(mx.array(ids))) - hf_logits).max() <= 1e-4
