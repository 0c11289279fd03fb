# expect: EMB009
import mlx.core as mx
import mlx.nn as nn

from .mlstm import init_state


class MLSTMBackend(nn.Module):
    def __init__(self, args):
        super().__init__()
        self.kernel_dtype = getattr(mx, args.autocast_kernel_dtype)
        self.state_dtype = getattr(mx, args.inference_state_dtype)

    def __call__(self, q, k, v, state=None):
        batch, heads, _, qk_dim = q.shape
        if state is None:
            state = init_state(batch, heads, qk_dim, v.shape[-1], self.kernel_dtype)
        return q, state
