# expect: EMB009
import mlx.core as mx

from .model import Model, parse_dtype


def load(path, args):
    model = Model(args)
    model.load_weights(str(path))
    model.set_dtype(parse_dtype(args.autocast_kernel_dtype, "autocast_kernel_dtype"))
    mx.eval(model.parameters())
    return model
