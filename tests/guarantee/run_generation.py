"""Greedy generation that checks every step for NaN/Inf; run as a subprocess.

``python run_generation.py PACKAGE_ROOT CHECKPOINT DTYPE PROMPT_LEN TOKENS OUT.npz [FOLLOW.npz]``
imports ``xlstm_model`` from PACKAGE_ROOT (the shipped package or a hazard
copy), generates with the model's ``nan_check`` guard on (hidden states) and
checks the logits and every cache state (C, N, M) after each step.  Writes the
per-step last-position logits (float32) and, on the first non-finite value,
the step and what was non-finite, then exits 0 either way.  With FOLLOW (an
earlier run's output) the inputs are that run's tokens (teacher forcing), so
the logits of two packages are compared on the same sequence.
"""

import sys

# How xlstm_model's nan_check guard (model.py) starts its error message.
NAN_GUARD = "NaN/Inf detected in the output of"


def main(package_root, checkpoint, dtype, prompt_len, tokens, out, follow=None):
    sys.path.insert(0, package_root)
    import mlx.core as mx
    import numpy as np

    from xlstm_model.loading import load

    model, _ = load(checkpoint, tokenizer=False, dtype=dtype, nan_check=True)
    assert model.__module__.startswith("xlstm_model")
    rng = np.random.default_rng(0)
    prompt = mx.array(rng.integers(3, model.args.vocab_size, size=(1, prompt_len)))
    cache = model.make_cache()
    forced = np.load(follow)["tokens"] if follow else None
    logits_per_step, chosen, failure = [], [], ""
    inputs = prompt
    for step in range(tokens):
        try:
            logits = model(inputs, cache)[:, -1].astype(mx.float32)
        except ValueError as err:
            if not str(err).startswith(NAN_GUARD):
                raise  # any other error is a bug in the copy, not the NaN this test looks for
            failure = f"step {step}: {err}"
            break
        bad = [name for name, a in [("logits", logits)] + [
            (f"cache[{i // 3}].{'CNM'[i % 3]}", a) for i, a in enumerate(cache.arrays)
        ] if not mx.all(mx.isfinite(a)).item()]
        if bad:
            failure = f"step {step}: NaN/Inf in {', '.join(bad)}"
            break
        logits_per_step.append(np.array(logits[0]))
        token = int(forced[step]) if forced is not None else mx.argmax(logits, axis=-1).item()
        chosen.append(token)
        inputs = mx.array([[token]])
    np.savez(out, logits=np.array(logits_per_step), tokens=np.array(chosen), failure=failure,
             package=str(sys.modules["xlstm_model"].__file__))


if __name__ == "__main__":
    root, ckpt, dtype, prompt_len, tokens, out, *follow = sys.argv[1:]
    main(root, ckpt, dtype, int(prompt_len), int(tokens), out, *follow)
