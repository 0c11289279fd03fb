# expect: none
import math

import mlx.core as mx


def warmup_steps(total: int) -> int:
    return int(math.log(1 + total) * 100)


def ones(n: int) -> mx.array:
    return mx.ones((n,))
