"""The loops behind fit_generator / evaluate_generator / predict_generator: batches come
from a Python generator or a keralite.utils.Sequence, optionally prepared by worker
threads or processes (utils/data_utils.py) while the compiled step runs."""
import random
import warnings

import numpy as np

from .. import backend as K
from .. import callbacks as cbks
from ..utils.data_utils import Sequence, OrderedEnqueuer, GeneratorEnqueuer
from ..utils.generic_utils import Progbar

_TRAIN_OUTPUT_ERROR = "Output of generator should be a tuple `(x, y, sample_weight)` or `(x, y)`. Found: "
_EVAL_OUTPUT_ERROR = "Output of generator should be a tuple (x, y, sample_weight) or (x, y). Found: "
_DUPLICATE_DATA_WARNING = ("Using a generator with `use_multiprocessing=True` and multiple workers may duplicate "
                           "your data. Please consider using the`keras.utils.Sequence class.")


def _is_generator_like(data):
    return hasattr(data, "__next__") or hasattr(data, "next") or isinstance(data, Sequence)


def _split_batch(generator_output, error_prefix):
    """(x, y, sample_weight) from a generator's `(x, y)` or `(x, y, sample_weight)`."""
    if not hasattr(generator_output, "__len__"):
        raise ValueError(error_prefix + str(generator_output))
    if len(generator_output) == 2:
        x, y = generator_output
        return x, y, None
    if len(generator_output) == 3:
        return tuple(generator_output)
    raise ValueError(error_prefix + str(generator_output))


def _batch_size(x):
    """Number of samples in a batch of inputs (an array, a list or a dict of arrays)."""
    if x is None or len(x) == 0:
        return 1  # no input arrays (data tensors): count one step as one sample
    if isinstance(x, list):
        return x[0].shape[0]
    if isinstance(x, dict):
        return list(x.values())[0].shape[0]
    return x.shape[0]


def _iterate_sequence_forever(sequence, shuffle):
    """A Sequence's batches, pass after pass, in the caller's thread (workers=0)."""
    indices = list(range(len(sequence)))
    while True:
        if shuffle:
            random.shuffle(indices)
        for index in indices:
            yield sequence[index]
        sequence.on_epoch_end()


def _check_workers(generator, workers, use_multiprocessing):
    if not isinstance(generator, Sequence) and use_multiprocessing and workers > 1:
        warnings.warn(UserWarning(_DUPLICATE_DATA_WARNING))


def _start_feeding(generator, workers, use_multiprocessing, max_queue_size, shuffle=False, wait_time=0.01):
    """(enqueuer or None, iterator over the batches). The caller must stop the enqueuer."""
    is_sequence = isinstance(generator, Sequence)
    if workers > 0:
        if is_sequence:
            enqueuer = OrderedEnqueuer(generator, use_multiprocessing=use_multiprocessing, shuffle=shuffle)
        else:
            enqueuer = GeneratorEnqueuer(generator, use_multiprocessing=use_multiprocessing, wait_time=wait_time)
        enqueuer.start(workers=workers, max_queue_size=max_queue_size)
        return enqueuer, enqueuer.get()
    if is_sequence:
        return None, _iterate_sequence_forever(generator, shuffle)
    return None, generator


def _next_batch(output_generator, steps_done, steps):
    try:
        return next(output_generator)
    except StopIteration:
        raise StopIteration("The generator ran out of data after %d of the %d steps asked for; it must "
                            "yield batches indefinitely (or be a keralite.utils.Sequence)." % (steps_done, steps))


def _validation_arrays(model, validation_data):
    """Standardised validation arrays from `(x, y)` or `(x, y, sample_weight)`."""
    if len(validation_data) == 2:
        val_x, val_y = validation_data
        val_sample_weight = None
    elif len(validation_data) == 3:
        val_x, val_y, val_sample_weight = validation_data
    else:
        raise ValueError("`validation_data` should be a tuple `(val_x, val_y, val_sample_weight)` or "
                         "`(val_x, val_y)`. Found: " + str(validation_data))
    return model._standardize_user_data(val_x, val_y, val_sample_weight)


def fit_generator(model, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                  validation_data=None, validation_steps=None, class_weight=None, max_queue_size=10,
                  workers=1, use_multiprocessing=False, shuffle=True, initial_epoch=0):
    """Train `model` on batches from `generator`; returns the History callback."""
    wait_time = 0.01
    epoch = initial_epoch
    do_validation = bool(validation_data)
    model._make_train_function()
    if do_validation:
        model._make_test_function()

    is_sequence = isinstance(generator, Sequence)
    _check_workers(generator, workers, use_multiprocessing)
    if steps_per_epoch is None:
        if is_sequence:
            steps_per_epoch = len(generator)
        else:
            raise ValueError("`steps_per_epoch=None` is only valid for a generator based on the "
                             "`keras.utils.Sequence` class. Please specify `steps_per_epoch` or use the "
                             "`keras.utils.Sequence` class.")
    val_gen = _is_generator_like(validation_data)
    if val_gen and not isinstance(validation_data, Sequence) and not validation_steps:
        raise ValueError("`validation_steps=None` is only valid for a generator based on the "
                         "`keras.utils.Sequence` class. Please specify `validation_steps` or use the "
                         "`keras.utils.Sequence` class.")

    out_labels = model.metrics_names
    callback_metrics = out_labels + ["val_" + name for name in out_labels]
    stateful_metrics = getattr(model, "stateful_metric_names", None)
    model.history = cbks.History()
    all_callbacks = [cbks.BaseLogger(stateful_metrics=stateful_metrics)]
    if verbose:
        all_callbacks.append(cbks.ProgbarLogger(count_mode="steps", stateful_metrics=stateful_metrics))
    all_callbacks += (callbacks or []) + [model.history]
    callbacks = cbks.CallbackList(all_callbacks)
    callback_model = getattr(model, "callback_model", None)
    if callback_model is None:
        callback_model = model  # a multi-device wrapper may name another model to call back
    callbacks.set_model(callback_model)
    callbacks.set_params({"epochs": epochs, "steps": steps_per_epoch, "verbose": verbose,
                          "do_validation": do_validation, "metrics": callback_metrics})
    callbacks.on_train_begin()

    enqueuer = None
    try:
        if do_validation and not val_gen:
            val_x, val_y, val_sample_weights = _validation_arrays(model, validation_data)
            val_data = val_x + val_y + val_sample_weights
            if model._feed_learning_phase():
                val_data += [0.0]
            for callback in callbacks:
                callback.validation_data = val_data

        enqueuer, output_generator = _start_feeding(generator, workers, use_multiprocessing, max_queue_size,
                                                    shuffle=shuffle, wait_time=wait_time)
        callback_model.stop_training = False
        while epoch < epochs:
            for metric in getattr(model, "stateful_metric_functions", []):
                metric.reset_states()
            epoch_logs = {}
            callbacks.on_epoch_begin(epoch)
            steps_done = 0
            while steps_done < steps_per_epoch:
                x, y, sample_weight = _split_batch(_next_batch(output_generator, steps_done, steps_per_epoch),
                                                   _TRAIN_OUTPUT_ERROR)
                batch_size = _batch_size(x)
                batch_logs = {"batch": steps_done, "size": batch_size}
                callbacks.on_batch_begin(steps_done, batch_logs)
                outs = model.train_on_batch(x, y, sample_weight=sample_weight, class_weight=class_weight)
                if not isinstance(outs, list):
                    outs = [outs]
                for label, value in zip(out_labels, outs):
                    batch_logs[label] = value
                callbacks.on_batch_end(steps_done, batch_logs)
                steps_done += 1

                if steps_done >= steps_per_epoch and do_validation:
                    if val_gen:
                        val_outs = evaluate_generator(model, validation_data, validation_steps,
                                                      max_queue_size=max_queue_size, workers=workers,
                                                      use_multiprocessing=use_multiprocessing)
                    else:
                        val_outs = model.evaluate(val_x, val_y, batch_size=batch_size,
                                                  sample_weight=val_sample_weights, verbose=0)
                    if not isinstance(val_outs, list):
                        val_outs = [val_outs]
                    for label, value in zip(out_labels, val_outs):
                        epoch_logs["val_" + label] = value
                if callback_model.stop_training:
                    break
            callbacks.on_epoch_end(epoch, epoch_logs)
            epoch += 1
            if callback_model.stop_training:
                break
    finally:
        if enqueuer is not None:
            enqueuer.stop()

    callbacks.on_train_end()
    return model.history


def evaluate_generator(model, generator, steps=None, max_queue_size=10, workers=1, use_multiprocessing=False):
    """The loss and metrics over `steps` batches, averaged with the batch sizes as weights."""
    model._make_test_function()
    for metric in getattr(model, "stateful_metric_functions", []):
        metric.reset_states()
    stateful_names = set(getattr(model, "stateful_metric_names", None) or [])
    stateful_indices = [i for i, name in enumerate(model.metrics_names) if str(name) in stateful_names]

    _check_workers(generator, workers, use_multiprocessing)
    if steps is None:
        if isinstance(generator, Sequence):
            steps = len(generator)
        else:
            raise ValueError("`steps=None` is only valid for a generator based on the `keras.utils.Sequence` "
                             "class. Please specify `steps` or use the `keras.utils.Sequence` class.")
    all_outs = []
    batch_sizes = []
    enqueuer = None
    try:
        enqueuer, output_generator = _start_feeding(generator, workers, use_multiprocessing, max_queue_size)
        while len(all_outs) < steps:
            x, y, sample_weight = _split_batch(_next_batch(output_generator, len(all_outs), steps),
                                               _EVAL_OUTPUT_ERROR)
            outs = model.test_on_batch(x, y, sample_weight=sample_weight)
            batch_size = _batch_size(x)
            if batch_size == 0:
                raise ValueError("Received an empty batch. Batches should at least contain one item.")
            all_outs.append(outs)
            batch_sizes.append(batch_size)
    finally:
        if enqueuer is not None:
            enqueuer.stop()

    if not isinstance(all_outs[-1], list):
        return np.average(np.asarray(all_outs), weights=batch_sizes)
    averages = []
    for i in range(len(all_outs[-1])):
        if i in stateful_indices:
            averages.append(float(all_outs[-1][i]))
        else:
            averages.append(np.average([outs[i] for outs in all_outs], weights=batch_sizes))
    return averages


def predict_generator(model, generator, steps=None, max_queue_size=10, workers=1, use_multiprocessing=False,
                      verbose=0):
    """The model's outputs on `steps` batches of inputs, concatenated along the batch
    axis. The generator may yield inputs alone, `(x, y)` or `(x, y, sample_weight)`."""
    model._make_predict_function()
    _check_workers(generator, workers, use_multiprocessing)
    if steps is None:
        if isinstance(generator, Sequence):
            steps = len(generator)
        else:
            raise ValueError("`steps=None` is only valid for a generator based on the `keras.utils.Sequence` "
                             "class. Please specify `steps` or use the `keras.utils.Sequence` class.")
    all_outs = []
    steps_done = 0
    enqueuer = None
    try:
        enqueuer, output_generator = _start_feeding(generator, workers, use_multiprocessing, max_queue_size)
        progbar = Progbar(target=steps) if verbose == 1 else None
        while steps_done < steps:
            generator_output = _next_batch(output_generator, steps_done, steps)
            if isinstance(generator_output, tuple):
                # a training generator: keep the inputs
                x = _split_batch(generator_output, _TRAIN_OUTPUT_ERROR)[0]
            else:
                x = generator_output
            outs = model.predict_on_batch(x)
            if not isinstance(outs, list):
                outs = [outs]
            if not all_outs:
                all_outs = [[] for _ in outs]
            for i, out in enumerate(outs):
                all_outs[i].append(out)
            steps_done += 1
            if progbar is not None:
                progbar.update(steps_done)
    finally:
        if enqueuer is not None:
            enqueuer.stop()

    if len(all_outs) == 1:
        return all_outs[0][0] if steps_done == 1 else np.concatenate(all_outs[0])
    if steps_done == 1:
        return [out[0] for out in all_outs]
    return [np.concatenate(out) for out in all_outs]
