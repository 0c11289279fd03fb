"""emberlint: a static linter and autofixer for MLX numerics.

Kept import-light on purpose: `emberlint --version` must not import libcst or mlx.
"""

__version__ = "0.1.0"
