# expect: EMB009
import mlx.core as mx


class Config:
    def __init__(self, dtype):
        self.dtype = getattr(mx, dtype)

    @classmethod
    def from_dict(cls, config: dict, torch_dtype: str | None = None) -> "Config":
        return cls(config.get("torch_dtype", "float32"))
