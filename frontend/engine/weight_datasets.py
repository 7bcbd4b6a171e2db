"""Reading weight datasets from an HDF5 group, checked before any data is read.

A dataset's shape and dtype are metadata: a small damaged (or hostile) file can declare
a bias of 2**30 values, and reading it first would allocate gigabytes before the shape
check refused it. So every dataset is checked to be a numeric array no larger than the
weights it may become, and only then read.
"""
import numpy as np

from .. import backend as K
from .saving_errors import MalformedModelError, WeightMismatchError, loading_part

# Dtype kinds a weight may be stored as: bool, signed and unsigned integers, floats.
NUMERIC_KINDS = "biuf"

# Stored weights may be converted before they are set (fused RNN kernels split, the
# doubled biases of CuDNN layers halved): a dataset may hold up to this many times the
# values of all the weights of the layer it belongs to.
CONVERSION_SLACK = 2


def _decode(value):
    return value.decode("utf8") if isinstance(value, bytes) else value


def weight_count(symbolic_weights):
    """How many values the weights hold together."""
    return sum(int(np.prod(K.int_shape(w), dtype=np.int64)) for w in symbolic_weights)


def checked_datasets(group, names):
    """The datasets `names` of `group`, each checked to be an array of numbers (not a
    group, a string or a compound record) with a data space."""
    import h5py
    datasets = []
    for name in names:
        name = _decode(name)
        if not isinstance(name, str):
            raise MalformedModelError("weight_names holds %r, not a dataset name" % (name,))
        with loading_part("weight %r" % name):
            if name not in group:
                raise MalformedModelError("the weight is listed in weight_names but its dataset is missing")
            dataset = group[name]
            if not isinstance(dataset, h5py.Dataset):
                raise MalformedModelError("the weight is a %s, not a dataset" % type(dataset).__name__)
            if dataset.shape is None:
                raise MalformedModelError("the dataset has no data space (it holds no array)")
            if dataset.dtype.kind not in NUMERIC_KINDS:
                raise WeightMismatchError("the dataset's dtype %s is not numeric" % dataset.dtype)
        datasets.append((name, dataset))
    return datasets


def check_declared_sizes(datasets, limit, holder):
    """Refuse a dataset declaring more than `limit` values, before it is read.

    # Arguments
        datasets: (name, dataset) pairs.
        limit: the most values a dataset may hold.
        holder: what the weights are for, as a message names it (e.g. "layer 'dense_1'
            (2 weights of shapes [(3, 4), (4,)])").

    # Raises
        WeightMismatchError: naming the dataset, its declared shape and the holder.
    """
    for name, dataset in datasets:
        size = int(np.prod(dataset.shape, dtype=object))
        if size > limit:
            raise WeightMismatchError("the saved weight %r declares shape %s (%d values), more than %s can "
                                      "take; it was not read" % (name, dataset.shape, size, holder),
                                      parts=["weight %r" % name])


def read_values(datasets):
    """The arrays of checked datasets (this is where the data is read)."""
    values = []
    for name, dataset in datasets:
        with loading_part("weight %r" % name):
            values.append(np.asarray(dataset[()]))
    return values


def layer_weight_values(group, names, layer):
    """The stored values of `layer`'s weights listed as `names` in `group`, each checked
    against the layer's size before it is read."""
    datasets = checked_datasets(group, names)
    symbolic_weights = layer.weights
    shapes = [K.int_shape(w) for w in symbolic_weights]
    holder = "layer %r (%d weight(s) of shapes %s)" % (layer.name, len(shapes), shapes)
    check_declared_sizes(datasets, CONVERSION_SLACK * weight_count(symbolic_weights), holder)
    return read_values(datasets)
