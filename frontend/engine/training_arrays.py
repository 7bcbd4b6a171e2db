"""The loops behind fit / evaluate / predict on arrays: batching, shuffling, callbacks,
validation. Each batch is one call of a compiled function."""
import numpy as np

from .. import callbacks as cbks
from ..utils.generic_utils import Progbar
from .training_utils import make_batches, batch_shuffle


def _check_num_samples(ins, batch_size=None, steps=None, steps_name="steps"):
    if steps is not None:
        if batch_size is not None:
            raise ValueError("If " + steps_name + " is set, the `batch_size` must be None.")
        return None
    if ins and hasattr(ins[0], "shape"):
        return int(ins[0].shape[0])
    return None


def _slice(ins, index):
    """Rows `index` of every array input; scalars (the learning phase flag) pass through."""
    return [x if np.ndim(x) == 0 else x[index] for x in ins]


def fit_loop(model, f, ins, out_labels=None, batch_size=None, epochs=100, verbose=1, callbacks=None,
             val_f=None, val_ins=None, shuffle=True, callback_metrics=None, initial_epoch=0,
             steps_per_epoch=None, validation_steps=None):
    do_validation = bool(val_f and val_ins) or bool(val_f and validation_steps)
    if do_validation and verbose and val_ins and hasattr(ins[0], "shape") and hasattr(val_ins[0], "shape"):
        print("Train on %d samples, validate on %d samples" % (ins[0].shape[0], val_ins[0].shape[0]))
    if validation_steps:
        do_validation = True
        if steps_per_epoch is None:
            raise ValueError("Can only use `validation_steps` when doing step-wise training, i.e. "
                             "`steps_per_epoch` must be set.")
    num_train_samples = _check_num_samples(ins, batch_size, steps_per_epoch, "steps_per_epoch")
    index_array = np.arange(num_train_samples) if num_train_samples is not None else None

    model.history = cbks.History()
    all_callbacks = [cbks.BaseLogger(stateful_metrics=getattr(model, "stateful_metric_names", None))]
    if verbose:
        count_mode = "steps" if steps_per_epoch is not None else "samples"
        all_callbacks.append(cbks.ProgbarLogger(count_mode, stateful_metrics=getattr(model, "stateful_metric_names", None)))
    all_callbacks += (callbacks or []) + [model.history]
    callbacks = cbks.CallbackList(all_callbacks)
    out_labels = out_labels or []
    callback_model = model.callback_model if hasattr(model, "callback_model") and model.callback_model else model
    callbacks.set_model(callback_model)
    callbacks.set_params({"batch_size": batch_size, "epochs": epochs, "steps": steps_per_epoch,
                          "samples": num_train_samples, "verbose": verbose,
                          "do_validation": do_validation, "metrics": callback_metrics or []})
    callbacks.on_train_begin()
    callback_model.stop_training = False
    for cbk in callbacks:
        cbk.validation_data = val_ins

    for epoch in range(initial_epoch, epochs):
        for m in getattr(model, "stateful_metric_functions", []):
            m.reset_states()
        callbacks.on_epoch_begin(epoch)
        epoch_logs = {}
        if steps_per_epoch is not None:
            for step_index in range(steps_per_epoch):
                batch_logs = {"batch": step_index, "size": 1}
                callbacks.on_batch_begin(step_index, batch_logs)
                outs = f(ins)
                if not isinstance(outs, list):
                    outs = [outs]
                for label, o in zip(out_labels, outs):
                    batch_logs[label] = o
                callbacks.on_batch_end(step_index, batch_logs)
                if callback_model.stop_training:
                    break
            if do_validation:
                val_outs = test_loop(model, val_f, val_ins, steps=validation_steps, verbose=0)
                if not isinstance(val_outs, list):
                    val_outs = [val_outs]
                for label, o in zip(out_labels, val_outs):
                    epoch_logs["val_" + label] = o
        else:
            if shuffle == "batch":
                index_array = batch_shuffle(index_array, batch_size)
            elif shuffle:
                np.random.shuffle(index_array)
            batches = make_batches(num_train_samples, batch_size)
            for batch_index, (batch_start, batch_end) in enumerate(batches):
                batch_ids = index_array[batch_start:batch_end]
                try:
                    ins_batch = _slice(ins, batch_ids)
                except TypeError:
                    raise TypeError("TypeError while preparing batch. If using HDF5 input data, "
                                    "pass shuffle=\"batch\".")
                batch_logs = {"batch": batch_index, "size": len(batch_ids)}
                callbacks.on_batch_begin(batch_index, batch_logs)
                outs = f(ins_batch)
                if not isinstance(outs, list):
                    outs = [outs]
                for label, o in zip(out_labels, outs):
                    batch_logs[label] = o
                callbacks.on_batch_end(batch_index, batch_logs)
                if callback_model.stop_training:
                    break
                if batch_index == len(batches) - 1 and do_validation:
                    val_outs = test_loop(model, val_f, val_ins, batch_size=batch_size, verbose=0)
                    if not isinstance(val_outs, list):
                        val_outs = [val_outs]
                    for label, o in zip(out_labels, val_outs):
                        epoch_logs["val_" + label] = o
        callbacks.on_epoch_end(epoch, epoch_logs)
        if callback_model.stop_training:
            break
    callbacks.on_train_end()
    return model.history


def predict_loop(model, f, ins, batch_size=32, verbose=0, steps=None):
    num_samples = _check_num_samples(ins, batch_size, steps, "steps")
    if verbose == 1:
        progbar = Progbar(target=steps if steps is not None else num_samples)
    if steps is not None:
        unconcatenated_outs = []
        for step in range(steps):
            batch_outs = f(ins)
            if not isinstance(batch_outs, list):
                batch_outs = [batch_outs]
            if step == 0:
                unconcatenated_outs = [[] for _ in batch_outs]
            for i, batch_out in enumerate(batch_outs):
                unconcatenated_outs[i].append(batch_out)
            if verbose == 1:
                progbar.update(step + 1)
        outs = [np.concatenate(parts, axis=0) for parts in unconcatenated_outs]
        return outs[0] if len(outs) == 1 else outs
    outs = []
    batches = make_batches(num_samples, batch_size)
    index_array = np.arange(num_samples)
    for batch_index, (batch_start, batch_end) in enumerate(batches):
        batch_ids = index_array[batch_start:batch_end]
        ins_batch = _slice(ins, batch_ids) if len(batches) > 1 else ins
        batch_outs = f(ins_batch)
        if not isinstance(batch_outs, list):
            batch_outs = [batch_outs]
        if batch_index == 0:
            for batch_out in batch_outs:
                outs.append(np.empty((num_samples,) + batch_out.shape[1:], dtype=batch_out.dtype))
        for i, batch_out in enumerate(batch_outs):
            outs[i][batch_start:batch_end] = batch_out
        if verbose == 1:
            progbar.update(batch_end)
    if not batches:
        # an empty batch still runs once so the outputs get their shapes
        batch_outs = f(ins)
        outs = batch_outs if isinstance(batch_outs, list) else [batch_outs]
    return outs[0] if len(outs) == 1 else outs


def test_loop(model, f, ins, batch_size=None, verbose=0, steps=None):
    """Evaluate `f` over `ins` batch by batch: the mean of each output over the samples,
    except a stateful metric's, which is its running value after the last batch."""
    num_samples = _check_num_samples(ins, batch_size, steps, "steps")
    for metric in getattr(model, "stateful_metric_functions", []):
        metric.reset_states()
    stateful_names = set(getattr(model, "stateful_metric_names", None) or [])
    stateful_indices = {i for i, name in enumerate(getattr(model, "metrics_names", []) or [])
                        if name in stateful_names}
    outs = []
    if verbose == 1:
        progbar = Progbar(target=steps if steps is not None else num_samples)
    if steps is not None:
        for step in range(steps):
            batch_outs = f(ins)
            if isinstance(batch_outs, list):
                if step == 0:
                    outs = [0.0] * len(batch_outs)
                for i, batch_out in enumerate(batch_outs):
                    outs[i] = batch_out if i in stateful_indices else outs[i] + batch_out
            else:
                if step == 0:
                    outs.append(0.0)
                outs[0] += batch_outs
            if verbose == 1:
                progbar.update(step + 1)
        outs = [o if i in stateful_indices else o / steps for i, o in enumerate(outs)]
    else:
        batches = make_batches(num_samples, batch_size)
        index_array = np.arange(num_samples)
        for batch_index, (batch_start, batch_end) in enumerate(batches):
            batch_ids = index_array[batch_start:batch_end]
            ins_batch = _slice(ins, batch_ids) if len(batches) > 1 else ins
            batch_outs = f(ins_batch)
            if isinstance(batch_outs, list):
                if batch_index == 0:
                    outs = [0.0] * len(batch_outs)
                for i, batch_out in enumerate(batch_outs):
                    if i in stateful_indices:
                        outs[i] = batch_out
                    else:
                        outs[i] += batch_out * len(batch_ids)
            else:
                if batch_index == 0:
                    outs.append(0.0)
                outs[0] += batch_outs * len(batch_ids)
            if verbose == 1:
                progbar.update(batch_end)
        outs = [o if i in stateful_indices else o / num_samples for i, o in enumerate(outs)]
    return outs[0] if len(outs) == 1 else outs
