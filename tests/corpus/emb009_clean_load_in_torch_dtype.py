# expect: none
import mlx.core as mx

from .model import Model, parse_dtype


def load(path, args, torch_dtype=None):
    model = Model(args)
    model.load_weights(str(path))
    model.set_dtype(parse_dtype(torch_dtype or args.torch_dtype, "torch_dtype"))
    mx.eval(model.parameters())
    return model
