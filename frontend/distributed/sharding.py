"""Splitting data between ranks: a rank's share of the training data, and predict /
evaluate run on every rank's slice with the results gathered on one rank."""
import numpy as np

from .. import backend as K
from .collectives import gather_rows
from .world import communicator, rank, size


def shard(arrays, rank_index=None, ranks=None):
    """This rank's share of the training data: every `ranks`-th sample from its rank.

    With `shuffle=False`, batch i of rank r then holds samples of batch i of one
    process reading the whole data at an N times larger batch, so N ranks train exactly
    as that process does. Every rank must make as many steps per epoch as the others
    (BroadcastGlobalVariablesCallback checks it): the shares differ by at most one
    sample, which changes the number of batches only when a share ends exactly at a
    batch boundary.

    # Arguments
        arrays: a numpy array or a list of arrays with the same number of samples.
        rank_index: the rank to take the share of (default: this rank).
        ranks: the number of shares (default: `size()`).

    # Returns
        The share, laid out as `arrays` (an array or a list).
    """
    rank_index = rank() if rank_index is None else rank_index
    ranks = size() if ranks is None else ranks
    if isinstance(arrays, (list, tuple)):
        return [np.asarray(a)[rank_index::ranks] for a in arrays]
    return np.asarray(arrays)[rank_index::ranks]


def _contiguous_slice(samples):
    """The slice of [0, samples) this rank predicts or evaluates (the first ranks take
    one more sample when the division is not exact)."""
    per_rank, extra = divmod(samples, size())
    bounds = np.cumsum([0] + [per_rank + (1 if r < extra else 0) for r in range(size())])
    return slice(int(bounds[rank()]), int(bounds[rank() + 1]))


def _first_axis_length(x):
    arrays = list(x.values()) if isinstance(x, dict) else (x if isinstance(x, (list, tuple)) else [x])
    return int(np.asarray(arrays[0]).shape[0])


def _take(x, rows):
    if x is None:
        return None
    if isinstance(x, dict):
        return {name: np.asarray(value)[rows] for name, value in x.items()}
    if isinstance(x, (list, tuple)):
        return [np.asarray(value)[rows] for value in x]
    return np.asarray(x)[rows]


def predict(model, x, batch_size=32, verbose=0, root_rank=0):
    """`model.predict(x)` with the samples split between the ranks and the predictions
    gathered, in the order of `x`, on `root_rank`.

    Every rank passes the same `x` (or at least arrays of the same length) and predicts
    one contiguous slice of it.

    # Arguments
        model: the model, the same on every rank.
        x: the input array(s), as `model.predict` takes them.
        batch_size: samples per batch on each rank.
        verbose: 0 or 1 (a progress bar for this rank's slice).
        root_rank: the rank that receives the predictions.

    # Returns
        On `root_rank`, what `model.predict(x)` returns; None on every other rank.
    """
    if size() == 1:
        return model.predict(x, batch_size=batch_size, verbose=verbose)
    rows = _contiguous_slice(_first_axis_length(x))
    local_x = _take(x, rows)
    if rows.stop > rows.start:
        local = model.predict(local_x, batch_size=batch_size, verbose=verbose)
    else:
        # no samples here: an empty array per output, shaped like the outputs
        local = [np.zeros((0,) + tuple(K.int_shape(output)[1:]), K.dtype(output)) for output in model.outputs]
        local = local if len(local) > 1 else local[0]
    outputs = local if isinstance(local, list) else [local]
    gathered = [gather_rows(output, root_rank) for output in outputs]
    if communicator().Get_rank() != root_rank:
        return None
    return gathered if isinstance(local, list) else gathered[0]


def evaluate(model, x, y, batch_size=32, verbose=0, sample_weight=None, root_rank=0):
    """`model.evaluate(x, y)` with the samples split between the ranks; the metrics of
    the slices are combined, weighted by their sizes, on `root_rank`.

    # Arguments
        model: the model, the same on every rank.
        x: the input array(s).
        y: the target array(s).
        batch_size: samples per batch on each rank.
        verbose: 0 or 1.
        sample_weight: optional per-sample weights.
        root_rank: the rank that receives the result.

    # Returns
        On `root_rank`, what `model.evaluate` returns for the whole data (a scalar loss
        or the list named by `model.metrics_names`); None on every other rank.
    """
    if size() == 1:
        return model.evaluate(x, y, batch_size=batch_size, verbose=verbose, sample_weight=sample_weight)
    rows = _contiguous_slice(_first_axis_length(x))
    count = rows.stop - rows.start
    names = len(model.metrics_names)
    if count:
        scores = model.evaluate(_take(x, rows), _take(y, rows), batch_size=batch_size, verbose=verbose,
                                sample_weight=_take(sample_weight, rows))
        scores = np.atleast_1d(np.asarray(scores, np.float64))
    else:
        scores = np.zeros(names, np.float64)
    weighted = np.concatenate([[float(count)], scores * count])[None, :]
    totals = gather_rows(weighted, root_rank)
    if communicator().Get_rank() != root_rank:
        return None
    result = totals[:, 1:].sum(axis=0) / totals[:, 0].sum()
    return float(result[0]) if names == 1 else [float(v) for v in result]
