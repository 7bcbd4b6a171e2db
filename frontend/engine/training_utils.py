"""Input checking and small helpers for training: standardising user data to the
model's inputs/outputs (with Keras' error messages), sample and class weights, batches."""
import numpy as np

from .. import backend as K


def standardize_input_data(data, names, shapes=None, check_batch_axis=True, exception_prefix=""):
    """A list of arrays, one per name, with shapes checked against `shapes`."""
    if not names:
        if data is not None and hasattr(data, "__len__") and len(data):
            raise ValueError("Error when checking model " + exception_prefix + ": expected no data, "
                             "but got:", data)
        return []
    if data is None:
        return [None for _ in range(len(names))]
    if isinstance(data, dict):
        try:
            data = [data[x].values if data[x].__class__.__name__ == "DataFrame" else data[x] for x in names]
        except KeyError as e:
            raise ValueError("No data provided for \"" + e.args[0] + "\". Need data for each key in: " + str(names))
    elif isinstance(data, list):
        if isinstance(data[0], list):
            data = [np.asarray(d) for d in data]
        elif len(names) == 1 and isinstance(data[0], (float, int)):
            data = [np.asarray(data)]
    else:
        data = data.values if data.__class__.__name__ == "DataFrame" else data
        data = [data]
    data = [np.expand_dims(x, 1) if x is not None and x.ndim == 1 else x for x in data]
    if len(data) != len(names):
        if data and hasattr(data[0], "shape"):
            raise ValueError("Error when checking model " + exception_prefix + ": the list of Numpy arrays "
                             "that you are passing to your model is not the size the model expected. "
                             "Expected to see " + str(len(names)) + " array(s), but instead got the following "
                             "list of " + str(len(data)) + " arrays: " + str(data)[:200] + "...")
        if len(names) == 1:
            data = [np.asarray(data)]
        else:
            raise ValueError("Error when checking model " + exception_prefix + ": you are passing a list as "
                             "input to your model, but the model expects a list of " + str(len(names)) +
                             " Numpy arrays instead. The list you passed was: " + str(data)[:200])
    if shapes:
        for i in range(len(names)):
            if shapes[i] is not None:
                data_shape = data[i].shape
                shape = shapes[i]
                if data[i].ndim != len(shape):
                    raise ValueError("Error when checking " + exception_prefix + ": expected " + names[i] +
                                     " to have " + str(len(shape)) + " dimensions, but got array with shape " +
                                     str(data_shape))
                if not check_batch_axis:
                    data_shape = data_shape[1:]
                    shape = shape[1:]
                for dim, ref_dim in zip(data_shape, shape):
                    if ref_dim != dim and ref_dim:
                        raise ValueError("Error when checking " + exception_prefix + ": expected " + names[i] +
                                         " to have shape " + str(shape) + " but got array with shape " +
                                         str(data_shape))
    return data


def standardize_sample_or_class_weights(x_weight, output_names, weight_type):
    if x_weight is None or len(x_weight) == 0:
        return [None for _ in output_names]
    if len(output_names) == 1:
        if isinstance(x_weight, list) and len(x_weight) == 1:
            return x_weight
        if isinstance(x_weight, dict) and output_names[0] in x_weight:
            return [x_weight[output_names[0]]]
        return [x_weight]
    if isinstance(x_weight, list):
        if len(x_weight) != len(output_names):
            raise ValueError("Provided `" + weight_type + "` was a list of " + str(len(x_weight)) +
                             " elements, but the model has " + str(len(output_names)) + " outputs. You should "
                             "provide one `" + weight_type + "`array per model output.")
        return x_weight
    if isinstance(x_weight, dict):
        return [x_weight.get(name) for name in output_names]
    raise TypeError("The model has multiple outputs, so `" + weight_type + "` should be either a list or a dict. "
                    "Provided `" + weight_type + "` type not understood: " + str(x_weight))


def check_array_length_consistency(inputs, targets, weights=None):
    """Raise ValueError unless all inputs, all targets and all weights have one number
    of samples each, the same for all three (a missing array counts as 0 samples)."""
    def set_of_lengths(x):
        if x is None:
            return {0}
        return {0 if y is None else y.shape[0] for y in x if not np.isscalar(y)}
    set_x, set_y, set_w = set_of_lengths(inputs), set_of_lengths(targets), set_of_lengths(weights)
    if len(set_x) > 1:
        raise ValueError("All input arrays (x) should have the same number of samples. Got array shapes: " +
                         str([x.shape for x in inputs]))
    if len(set_y) > 1:
        raise ValueError("All target arrays (y) should have the same number of samples. Got array shapes: " +
                         str([y.shape for y in targets]))
    if set_x and set_y and list(set_x)[0] != list(set_y)[0]:
        raise ValueError("Input arrays should have the same number of samples as target arrays. Found " +
                         str(list(set_x)[0]) + " input samples and " + str(list(set_y)[0]) + " target samples.")
    if len(set_w) > 1:
        raise ValueError("All sample_weight arrays should have the same number of samples. Got array shapes: " +
                         str([w.shape for w in weights]))
    if set_y and set_w and list(set_y)[0] != list(set_w)[0]:
        raise ValueError("Sample_weight arrays should have the same number of samples as target arrays. Got " +
                         str(list(set_y)[0]) + " input samples and " + str(list(set_w)[0]) + " target samples.")


def check_loss_and_target_compatibility(targets, loss_fns, output_shapes):
    key_losses = {"mean_squared_error", "binary_crossentropy", "categorical_crossentropy"}
    for y, loss, shape in zip(targets, loss_fns, output_shapes):
        if y is None or loss is None:
            continue
        name = getattr(loss, "__name__", "")
        if name == "categorical_crossentropy" and y.shape[-1] == 1:
            raise ValueError("You are passing a target array of shape " + str(y.shape) + " while using as loss "
                             "`categorical_crossentropy`. `categorical_crossentropy` expects targets to be "
                             "binary matrices (1s and 0s) of shape (samples, classes). If your targets are "
                             "integer classes, you can convert them to the expected format via:\n```\n"
                             "from keras.utils import to_categorical\ny_binary = to_categorical(y_int)\n```\n\n"
                             "Alternatively, you can use the loss function `sparse_categorical_crossentropy` "
                             "instead, which does expect integer targets.")
        if name in key_losses:
            for target_dim, out_dim in zip(y.shape[1:], shape[1:]):
                if out_dim is not None and target_dim != out_dim:
                    raise ValueError("A target array with shape " + str(y.shape) + " was passed for an output "
                                     "of shape " + str(shape) + " while using as loss `" + name + "`. This loss "
                                     "expects targets to have the same shape as the output.")


def weighted_masked_objective(fn):
    """A loss function that takes sample weights and an output mask into account."""
    if fn is None:
        return None

    def weighted(y_true, y_pred, weights, mask=None):
        score_array = fn(y_true, y_pred)
        if mask is not None:
            mask = K.cast(mask, K.floatx())
            score_array = score_array * mask
            score_array = score_array / K.mean(mask)
        if weights is not None:
            ndim = K.ndim(score_array)
            weight_ndim = K.ndim(weights)
            if ndim > weight_ndim:
                score_array = K.mean(score_array, axis=list(range(weight_ndim, ndim)))
            score_array = score_array * weights
            score_array = score_array / K.mean(K.cast(K.not_equal(weights, 0), K.floatx()))
        return K.mean(score_array)
    return weighted


def standardize_weights(y, sample_weight=None, class_weight=None, sample_weight_mode=None):
    """Per-sample weights from sample_weight or class_weight (Keras' rules and errors)."""
    if sample_weight_mode is not None:
        if sample_weight_mode != "temporal":
            raise ValueError("\"sample_weight_mode should be None or \"temporal\". Found: " + str(sample_weight_mode))
        if len(y.shape) < 3:
            raise ValueError("Found a sample_weight array for an input with shape " + str(y.shape) + ". "
                             "Timestep-wise sample weighting (use of sample_weight_mode=\"temporal\") is "
                             "restricted to outputs that are at least 3D, i.e. that have a time dimension.")
        if sample_weight is not None and len(sample_weight.shape) != 2:
            raise ValueError("Found a sample_weight array with shape " + str(sample_weight.shape) + ". In order "
                             "to use timestep-wise sample weighting, you should pass a 2D sample_weight array.")
    else:
        if sample_weight is not None and len(sample_weight.shape) != 1:
            raise ValueError("Found a sample_weight array with shape " + str(sample_weight.shape) + ". In order "
                             "to use timestep-wise sample weights, you should specify "
                             "sample_weight_mode=\"temporal\" in compile(). If you just mean to use sample-wise "
                             "weights, make sure your sample_weight array is 1D.")
    if sample_weight is not None:
        if len(sample_weight.shape) > len(y.shape):
            raise ValueError("Found a sample_weight with shape" + str(sample_weight.shape) + ".Expected "
                             "sample_weight with rank less than or equal to " + str(len(y.shape)))
        if y.shape[:sample_weight.ndim] != sample_weight.shape:
            raise ValueError("Found a sample_weight array with shape " + str(sample_weight.shape) + " for an input "
                             "with shape " + str(y.shape) + ". sample_weight cannot be broadcast.")
        return sample_weight
    if isinstance(class_weight, dict):
        if len(y.shape) > 2:
            raise ValueError("`class_weight` not supported for 3+ dimensional targets.")
        if y.shape[1] > 1:
            y_classes = np.argmax(y, axis=1)
        elif y.shape[1] == 1:
            y_classes = np.reshape(y, y.shape[0])
        else:
            y_classes = y
        weights = np.asarray([class_weight[cls] for cls in y_classes if cls in class_weight])
        if len(weights) != len(y_classes):
            existing = set(y_classes)
            missing = existing - set(class_weight.keys())
            raise ValueError("`class_weight` must contain all classes in the data. The classes %s exist in the "
                             "data but not in `class_weight`." % missing)
        return weights
    if sample_weight_mode is None:
        return np.ones((y.shape[0],), dtype=K.floatx())
    return np.ones((y.shape[0], y.shape[1]), dtype=K.floatx())


def make_batches(size, batch_size):
    """(start, end) index pairs covering range(size) in batches."""
    num_batches = (size + batch_size - 1) // batch_size
    return [(i * batch_size, min(size, (i + 1) * batch_size)) for i in range(num_batches)]


def batch_shuffle(index_array, batch_size):
    """Shuffle batch-sized blocks of an index array (shuffle='batch', for HDF5 data)."""
    batch_count = int(len(index_array) / batch_size)
    last_batch = index_array[batch_count * batch_size:]
    index_array = index_array[:batch_count * batch_size]
    index_array = index_array.reshape((batch_count, batch_size))
    np.random.shuffle(index_array)
    index_array = index_array.flatten()
    return np.append(index_array, last_batch)


def collect_metrics(metrics, output_names):
    """Metrics per output, from a list (all outputs) or a dict by output name."""
    if not metrics:
        return [[] for _ in output_names]
    if isinstance(metrics, list):
        return [list(metrics) for _ in output_names]
    if isinstance(metrics, dict):
        nested = []
        for name in output_names:
            output_metrics = metrics.get(name, [])
            if not isinstance(output_metrics, list):
                output_metrics = [output_metrics]
            nested.append(output_metrics)
        return nested
    raise TypeError("Type of `metrics` argument not understood. Expected a list or dictionary, found: " + str(metrics))
