"""Random tensors: Philox draws generated inside the compiled code (see
compiler/ops/random.py), reproducible for a given seed."""
import numpy as np

from keralite.compiler.ops import elementwise as E
from keralite.compiler.ops import random as RND

from .core import Tensor, rng_counter, _dtype, to_tensor


def _shape(shape):
    from .shape_ops import _static
    if isinstance(shape, Tensor):
        dims = getattr(shape, "_static_dims", None)
        if dims is None:
            raise NotImplementedError("random tensors need a static shape (or K.shape(x))")
        return tuple(dims)
    dims = []
    for d in shape:
        s = _static(d)
        if s == -1:
            raise ValueError("random tensors need every dim of the shape to be known")
        dims.append(s)
    return tuple(dims)


def _draw(shape, dist, dtype, seed):
    if seed is None:
        seed = np.random.randint(10e6)
    key = E.boxed_scalar(int(seed), "int64")
    d = _dtype(dtype)
    return Tensor(RND.random(rng_counter().node, key, _shape(shape), dist, d))


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    u = _draw(shape, "uniform", dtype, seed)
    return u * (to_tensor(maxval, u.dtype) - minval) + minval if (minval, maxval) != (0.0, 1.0) else u


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    z = _draw(shape, "normal", dtype, seed)
    return z * stddev + mean if (mean, stddev) != (0.0, 1.0) else z


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    z = _draw(shape, "truncated_normal", dtype, seed)
    return z * stddev + mean if (mean, stddev) != (0.0, 1.0) else z


def random_binomial(shape, p=0.0, dtype=None, seed=None):
    from .math_ops import less
    from .core import cast
    u = _draw(shape, "uniform", dtype, seed)
    return cast(less(u, p), u.dtype)
