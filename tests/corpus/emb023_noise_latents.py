# expect: EMB023
"""A diffusion step adding float32 noise to half-precision latents."""
import mlx.core as mx


def add_noise(latents: mx.array, sigma: float) -> mx.array:
    noise = mx.random.normal(latents.shape)
    return latents + sigma * noise
