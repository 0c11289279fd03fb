# expect: none
import mlx.core as mx


@mx.compile
def step(logits: mx.array) -> mx.array:
    return mx.argmax(logits, axis=-1)


def generate(logits: mx.array) -> int:
    return step(logits).item()
