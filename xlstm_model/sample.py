"""Token sampling and the ``generate_step`` loop (mlx-lm conventions)."""

from collections.abc import Callable, Generator

import mlx.core as mx

from .cache import XLSTMCache
from .model import Model

Sampler = Callable[[mx.array], mx.array]


def apply_top_k(logits: mx.array, top_k: int) -> mx.array:
    """Keep the ``top_k`` largest logits per row; the rest get the dtype's lowest value."""
    kth = mx.sort(logits, axis=-1)[..., -top_k, None]
    return mx.where(logits < kth, mx.finfo(logits.dtype).min, logits)


def apply_top_p(logits: mx.array, top_p: float) -> mx.array:
    """Nucleus filter: keep the smallest set of tokens whose probability mass reaches ``top_p``."""
    order = mx.argsort(-logits, axis=-1)
    sorted_probs = mx.take_along_axis(mx.softmax(logits, axis=-1), order, axis=-1)
    keep_sorted = (mx.cumsum(sorted_probs, axis=-1) - sorted_probs) < top_p
    keep = mx.take_along_axis(keep_sorted, mx.argsort(order, axis=-1), axis=-1)
    return mx.where(keep, logits, mx.finfo(logits.dtype).min)


def make_sampler(
    temperature: float = 0.0, top_p: float = 1.0, top_k: int = 0
) -> Sampler:
    """Map logits ``(B, V)`` to token ids ``(B,)``; ``temperature == 0`` is greedy."""
    if temperature < 0 or not 0 < top_p <= 1 or top_k < 0:
        raise ValueError("need temperature >= 0, 0 < top_p <= 1 and top_k >= 0")

    def sampler(logits: mx.array) -> mx.array:
        logits = logits.astype(mx.float32)
        if temperature == 0:
            return mx.argmax(logits, axis=-1)
        logits = logits / temperature
        if 0 < top_k < logits.shape[-1]:
            logits = apply_top_k(logits, top_k)
        if top_p < 1:
            logits = apply_top_p(logits, top_p)
        return mx.random.categorical(logits, axis=-1)

    return sampler


def generate_step(
    prompt: mx.array,
    model: Model,
    *,
    max_tokens: int = 256,
    sampler: Sampler | None = None,
    cache: XLSTMCache | None = None,
) -> Generator[int, None, None]:
    """Yield up to ``max_tokens`` token ids continuing ``prompt`` (1-D ids).

    The next step's graph is built and evaluated asynchronously before the
    current token is handed out, so the single sync per token overlaps compute.
    """
    if prompt.size == 0:
        raise ValueError("prompt must contain at least one token")
    cache = cache if cache is not None else model.make_cache()
    sampler = sampler or make_sampler()

    def step(tokens: mx.array) -> mx.array:
        logits = model(tokens[None], cache)[:, -1]
        return sampler(logits)

    y = step(prompt)
    mx.async_eval(y)
    for n in range(max_tokens):
        if n + 1 < max_tokens:
            next_y = step(y)
            mx.async_eval(next_y)
        yield y.item()
        if n + 1 < max_tokens:
            y = next_y
