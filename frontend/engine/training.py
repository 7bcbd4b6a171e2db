"""Model: a Network that can be compiled and trained.

compile() builds the total loss, metrics and optimizer updates as backend tensors; the
train, test and predict functions are each ONE compiled native call per batch, compiled
once per compile() (the batch dim is symbolic, so a smaller last batch reuses them).
"""
import copy
import warnings

import numpy as np

from .. import backend as K
from .. import losses as losses_module
from .. import metrics as metrics_module
from .. import optimizers
from ..utils.generic_utils import slice_arrays, unpack_singleton
from .base_layer import register_model_class
from keralite.legacy.method_interfaces import legacy_generator_methods_support
from ..backend.execution import MissingInputError
from .network import Network
from .network_errors import explain_missing_input
from . import training_arrays
from .training_utils import (standardize_input_data, standardize_sample_or_class_weights,
                             standardize_weights, check_array_length_consistency,
                             check_loss_and_target_compatibility, weighted_masked_objective,
                             collect_metrics, make_batches, batch_shuffle)


@register_model_class("Model", "Functional")
class Model(Network):
    """The functional Keras model: `Model(inputs, outputs)` plus training."""

    def compile(self, optimizer, loss=None, metrics=None, loss_weights=None,
                sample_weight_mode=None, weighted_metrics=None, target_tensors=None, **kwargs):
        """Sets the model up for training: loss per output, optimizer, metrics, sample weights.

        Builds the total loss and metric tensors once, so that `fit`, `evaluate` and the
        batch methods only compile and run functions; the native functions themselves are
        compiled on first use.

        # Arguments
            optimizer: an optimizer instance or its name (`"sgd"`, `"adam"`, ...).
            loss: a loss function or its name; for several outputs, a list or a dict
                `{output name: loss}` gives one per output (one given loss is used for all).
            metrics: list of metrics (names or functions) computed in training and testing,
                e.g. `['accuracy']`; a dict `{output name: metrics}` sets them per output.
            loss_weights: list or dict of scalars weighting each output's loss in the
                total loss.
            sample_weight_mode: None for one weight per sample, or `"temporal"` for one
                weight per time step (2D weights), as sequence models need; a list or dict
                sets it per output.
            weighted_metrics: metrics that are weighted by `sample_weight` or
                `class_weight`.
            target_tensors: tensors to use as targets instead of placeholders fed with
                `y` (a list or a dict per output).
            **kwargs: accepted only when empty; anything else raises.

        # Raises
            TypeError: for an unknown keyword argument.
            ValueError: when `loss`, `loss_weights`, `metrics` or the sample weight modes
                name an output the model does not have, or a list has the wrong length.
        """
        if kwargs:
            raise TypeError("Invalid keyword argument(s) in `compile`: " + str(sorted(kwargs)))
        loss = loss or {}
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        self.loss_weights = loss_weights
        self.sample_weight_mode = sample_weight_mode
        self.metrics = metrics or []
        self.weighted_metrics = weighted_metrics

        self.loss_functions = self._output_loss_functions(loss)
        # outputs without a loss get no target, no sample weights and no metrics
        trained = [i for i, fn in enumerate(self.loss_functions) if fn is not None]
        output_loss_weights = self._output_loss_weights(loss_weights)
        self._make_targets(target_tensors, trained)
        self._make_sample_weights(sample_weight_mode, trained)
        self.metrics_names = ["loss"]
        self.metrics_tensors = []
        self.total_loss = self._make_total_loss(output_loss_weights, trained)
        self.stateful_metric_names = []
        self.stateful_metric_functions = []
        self._make_metrics(metrics, weighted_metrics, trained)

        self.train_function = None
        self.test_function = None
        self.predict_function = None
        self._collected_trainable_weights = self.trainable_weights

    # ---------------------------------------------------------------- compile's steps
    def _check_output_keys(self, mapping, what):
        """A per-output dict may name only outputs."""
        for name in mapping:
            if name not in self.output_names:
                raise ValueError("Unknown entry in " + what + " dictionary: \"" + name + "\". Only expected the "
                                 "following keys: " + str(self.output_names))

    def _output_loss_functions(self, loss):
        """One loss function per output (None for an output a loss dict leaves out)."""
        if isinstance(loss, dict):
            self._check_output_keys(loss, "loss")
            loss_functions = []
            for name in self.output_names:
                if name not in loss:
                    warnings.warn("Output \"" + name + "\" missing from loss dictionary. We assume this was "
                                  "done on purpose, and we will not be expecting any data to be passed to \"" +
                                  name + "\" during training.", stacklevel=3)
                loss_functions.append(losses_module.get(loss.get(name)))
            return loss_functions
        if isinstance(loss, list):
            if len(loss) != len(self.outputs):
                raise ValueError("When passing a list as loss, it should have one entry per model outputs. "
                                 "The model has " + str(len(self.outputs)) + " outputs, but you passed loss=" +
                                 str(loss))
            return [losses_module.get(x) for x in loss]
        loss_function = losses_module.get(loss)
        return [loss_function for _ in range(len(self.outputs))]

    def _output_loss_weights(self, loss_weights):
        """One weight per output's loss in the total loss (1 unless given)."""
        if loss_weights is None:
            return [1.0 for _ in self.outputs]
        if isinstance(loss_weights, dict):
            self._check_output_keys(loss_weights, "loss_weights")
            return [loss_weights.get(name, 1.0) for name in self.output_names]
        if isinstance(loss_weights, list):
            if len(loss_weights) != len(self.outputs):
                raise ValueError("When passing a list as loss_weights, it should have one entry per model "
                                 "output. The model has " + str(len(self.outputs)) + " outputs, but you passed "
                                 "loss_weights=" + str(loss_weights))
            return loss_weights
        raise TypeError("Could not interpret loss_weights argument: " + str(loss_weights) +
                        " - expected a list of dicts.")

    def _make_targets(self, target_tensors, trained):
        """A target placeholder for each trained output (None for the others)."""
        self.targets = []
        self._feed_targets = []
        if target_tensors is not None:
            raise NotImplementedError("compile(target_tensors=...) is not supported by keralite; "
                                      "feed targets as arrays to fit/train_on_batch")
        for i, output in enumerate(self.outputs):
            if i not in trained:
                self.targets.append(None)
                continue
            target = K.placeholder(ndim=len(K.int_shape(output)), name=self.output_names[i] + "_target",
                                   sparse=K.is_sparse(output), dtype=K.dtype(output))
            self.targets.append(target)
            self._feed_targets.append(target)

    def _make_sample_weights(self, sample_weight_mode, trained):
        """A sample-weight placeholder for each trained output: per sample, or per sample
        and time step when its mode is 'temporal'."""
        if isinstance(sample_weight_mode, dict):
            self._check_output_keys(sample_weight_mode, "sample_weight_mode")
            modes = [sample_weight_mode.get(name) for name in self.output_names]
        elif isinstance(sample_weight_mode, list):
            if len(sample_weight_mode) != len(self.outputs):
                raise ValueError("When passing a list as sample_weight_mode, it should have one entry per "
                                 "model output. The model has " + str(len(self.outputs)) + " outputs, but you "
                                 "passed sample_weight_mode=" + str(sample_weight_mode))
            modes = sample_weight_mode
        else:
            modes = [sample_weight_mode for _ in self.output_names]
        self.sample_weights, self.sample_weight_modes = [], []
        for i, name in enumerate(self.output_names):
            if i not in trained:
                self.sample_weights.append(None)
                self.sample_weight_modes.append(None)
                continue
            ndim = 2 if modes[i] == "temporal" else 1
            self.sample_weights.append(K.placeholder(ndim=ndim, name=name + "_sample_weights"))
            self.sample_weight_modes.append(modes[i])
        self._feed_sample_weight_modes = [self.sample_weight_modes[i] for i in trained]
        self._feed_sample_weights = [self.sample_weights[i] for i in trained]

    def _make_total_loss(self, loss_weights, trained):
        """The weighted sum of the outputs' losses plus the layers' own losses; with
        several outputs each output's loss is also a metric."""
        total_loss = None
        masks = [getattr(x, "_keras_mask", None) for x in self.outputs]
        with K.name_scope("loss"):
            for i in trained:
                objective = weighted_masked_objective(self.loss_functions[i])
                with K.name_scope(self.output_names[i] + "_loss"):
                    output_loss = objective(self.targets[i], self.outputs[i], self.sample_weights[i], masks[i])
                if len(self.outputs) > 1:
                    self.metrics_tensors.append(output_loss)
                    self.metrics_names.append(self.output_names[i] + "_loss")
                term = output_loss * loss_weights[i] if loss_weights[i] != 1 else output_loss
                total_loss = term if total_loss is None else total_loss + term
            if total_loss is None:
                if not self.losses:
                    raise ValueError("The model cannot be compiled because it has no loss to optimize.")
                total_loss = 0.0
            for loss_tensor in self.losses:
                total_loss = total_loss + loss_tensor
        return K.constant(total_loss) if isinstance(total_loss, float) else total_loss

    def _make_metrics(self, metrics, weighted_metrics, trained):
        """The metric tensors of each trained output (plain, then sample-weighted)."""
        nested_metrics = collect_metrics(metrics, self.output_names)
        nested_weighted_metrics = collect_metrics(weighted_metrics, self.output_names)
        self._metric_updates = []
        with K.name_scope("metrics"):
            for i in trained:
                self._add_output_metrics(i, nested_metrics[i])
                self._add_output_metrics(i, nested_weighted_metrics[i], weights=self.sample_weights[i])

    def _add_output_metrics(self, i, output_metrics, weights=None):
        """Append output i's metrics to metrics_names / metrics_tensors."""
        mask = getattr(self.outputs[i], "_keras_mask", None)
        for metric in output_metrics:
            metric_fn, metric_name = self._metric_function(i, metric)
            if weights is not None:
                metric_name = "weighted_" + metric_name
            with K.name_scope(metric_name):
                metric_result = weighted_masked_objective(metric_fn)(self.targets[i], self.outputs[i],
                                                                     weights=weights, mask=mask)
            if len(self.output_names) > 1:
                metric_name = self.output_names[i] + "_" + metric_name
            self.metrics_names.append(metric_name)
            self.metrics_tensors.append(metric_result)
            if getattr(metric_fn, "stateful", False) and hasattr(metric_fn, "reset_states"):
                # a metric layer keeps a running value: its updates run with every train
                # and test batch, and the loops reset it at each epoch and evaluation
                self.stateful_metric_names.append(metric_name)
                self.stateful_metric_functions.append(metric_fn)
                self._metric_updates += [u for u in metric_fn.updates if all(u is not v for v in
                                                                             self._metric_updates)]

    def _metric_function(self, i, metric):
        """(function, name) of a metric of output i: 'accuracy'/'acc' and 'crossentropy'/'ce'
        mean the variant that matches the output's loss and shape, as in Keras."""
        if metric not in ("accuracy", "acc", "crossentropy", "ce"):
            metric_fn = metrics_module.get(metric)
            # a metric layer is named by its `name`, a function by its __name__
            name = getattr(metric_fn, "name", None) if not hasattr(metric_fn, "__name__") else None
            return metric_fn, name or getattr(metric_fn, "__name__", metric_fn.__class__.__name__)
        accuracy = metric in ("accuracy", "acc")
        fn_name = getattr(self.loss_functions[i], "__name__", "")
        if K.int_shape(self.outputs[i])[-1] == 1 or fn_name == "binary_crossentropy":
            metric_fn = metrics_module.binary_accuracy if accuracy else metrics_module.binary_crossentropy
        elif fn_name == "sparse_categorical_crossentropy":
            metric_fn = metrics_module.sparse_categorical_accuracy if accuracy \
                else metrics_module.sparse_categorical_crossentropy
        else:
            metric_fn = metrics_module.categorical_accuracy if accuracy else metrics_module.categorical_crossentropy
        return metric_fn, "acc" if accuracy else "ce"

    # ---------------------------------------------------------------- compiled functions
    def _check_compiled(self):
        if not hasattr(self, "train_function"):
            raise RuntimeError("You must compile your model before using it.")

    def _feed_learning_phase(self):
        """False: keralite compiles the train function with the learning phase folded to
        1 and the test/predict functions with it folded to 0 (Keras feeds it instead), so
        dropout costs nothing at predict time."""
        return False

    def _compile_function(self, inputs, outputs, **kwargs):
        """K.function, with an unfed placeholder explained in terms of this model."""
        try:
            return K.function(inputs, outputs, **kwargs)
        except MissingInputError as error:
            raise MissingInputError(explain_missing_input(self, error), error.tensor) from error

    def _make_train_function(self):
        self._check_compiled()
        if self.train_function is None:
            inputs = self._feed_inputs + self._feed_targets + self._feed_sample_weights
            if self._feed_learning_phase():
                inputs += [K.learning_phase()]
            with K.name_scope("training"):
                with K.name_scope(self.optimizer.__class__.__name__):
                    training_updates = self.optimizer.get_updates(params=self._collected_trainable_weights,
                                                                  loss=self.total_loss)
                # an optimizer that exchanges gradients between processes
                # (keralite.distributed) compiles the step as two native calls itself
                build_train_function = getattr(self.optimizer, "build_train_function", None)
                if build_train_function is not None:
                    self.train_function = build_train_function(
                        self, self._compile_function, inputs, [self.total_loss] + self.metrics_tensors,
                        self.updates + self._metric_updates, training_updates)
                    return
                updates = self.updates + training_updates + self._metric_updates
                self.train_function = self._compile_function(
                    inputs, [self.total_loss] + self.metrics_tensors, updates=updates,
                    name="train_function", learning_phase=1)

    def _make_test_function(self):
        self._check_compiled()
        if self.test_function is None:
            inputs = self._feed_inputs + self._feed_targets + self._feed_sample_weights
            if self._feed_learning_phase():
                inputs += [K.learning_phase()]
            self.test_function = self._compile_function(
                inputs, [self.total_loss] + self.metrics_tensors,
                updates=self.state_updates + self._metric_updates, name="test_function", learning_phase=0)

    def _make_predict_function(self):
        if not hasattr(self, "predict_function"):
            self.predict_function = None
        if self.predict_function is None:
            inputs = list(self._feed_inputs)
            if self._feed_learning_phase():
                inputs += [K.learning_phase()]
            self.predict_function = self._compile_function(inputs, self.outputs, updates=self.state_updates,
                                                           name="predict_function", learning_phase=0)

    # ---------------------------------------------------------------- data
    def _standardize_user_data(self, x, y=None, sample_weight=None, class_weight=None,
                               check_array_lengths=True, batch_size=None):
        if not hasattr(self, "optimizer"):
            raise RuntimeError("You must compile a model before training/testing. "
                               "Use `model.compile(optimizer, loss)`.")
        feed_output_names, feed_output_shapes, feed_losses = [], [], []
        for name, output_shape, loss_fn in zip(self.output_names, self._internal_output_shapes,
                                               self.loss_functions):
            if loss_fn is None:
                continue
            feed_output_names.append(name)
            feed_losses.append(loss_fn)
            feed_output_shapes.append(_target_shape(output_shape, loss_fn))
        x = standardize_input_data(x, self._feed_input_names, self._feed_input_shapes,
                                   check_batch_axis=False, exception_prefix="input")
        y = standardize_input_data(y, feed_output_names, feed_output_shapes,
                                   check_batch_axis=False, exception_prefix="target")
        sample_weights = standardize_sample_or_class_weights(sample_weight, feed_output_names, "sample_weight")
        class_weights = standardize_sample_or_class_weights(class_weight, feed_output_names, "class_weight")
        sample_weights = [standardize_weights(ref, sw, cw, mode) for ref, sw, cw, mode
                          in zip(y, sample_weights, class_weights, self._feed_sample_weight_modes)]
        if check_array_lengths:
            check_array_length_consistency(x, y, sample_weights)
        feed_internal_shapes = [shape for shape, fn in zip(self._internal_output_shapes, self.loss_functions)
                                if fn is not None]
        check_loss_and_target_compatibility(y, feed_losses, feed_internal_shapes)
        if self.stateful and batch_size and x[0].shape[0] % batch_size != 0:
            raise ValueError("In a stateful network, you should only pass inputs with a number of samples "
                             "that can be divided by the batch size. Found: " + str(x[0].shape[0]) + " samples")
        return x, y, sample_weights

    # ---------------------------------------------------------------- public API
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None, **kwargs):
        """Trains the model for a fixed number of epochs on Numpy arrays.

        # Arguments
            x: Numpy array of inputs, or a list of arrays (one per input) or a dict
                `{input name: array}`; None when the model is fed by tensors.
            y: target array(s), laid out like `x`, one per output.
            batch_size: integer, samples per gradient update (default 32).
            epochs: integer, the epoch index to stop at (see `initial_epoch`).
            verbose: 0 (silent), 1 (progress bar) or 2 (one line per epoch).
            callbacks: list of `keralite.callbacks.Callback` instances called during
                training.
            validation_split: float in [0, 1), the fraction of the data (taken from the end,
                before shuffling) held out for validation.
            validation_data: tuple `(x_val, y_val)` or `(x_val, y_val, val_sample_weights)`
                to evaluate after each epoch; overrides `validation_split`.
            shuffle: whether to shuffle the samples before each epoch, or `"batch"` to
                shuffle only in batch-sized chunks (for HDF5 data).
            class_weight: optional dict `{class index: weight}` scaling the loss of each
                class, for unbalanced data.
            sample_weight: optional array of per-sample loss weights (2D with
                `sample_weight_mode="temporal"`).
            initial_epoch: the epoch to start from, to resume a previous run.
            steps_per_epoch: batches per epoch when fed by tensors instead of arrays.
            validation_steps: validation batches when `steps_per_epoch` is set.
            **kwargs: `nb_epoch`, the Keras 1 name of `epochs` (with a warning).

        # Returns
            A `History` object; its `history` dict holds the loss and metric values of
            every epoch.

        # Raises
            TypeError: for an unknown keyword argument.
            ValueError: for inputs or targets that do not match the model, or malformed
                `validation_data`.
        """
        if "nb_epoch" in kwargs:
            warnings.warn("The `nb_epoch` argument in `fit` has been renamed `epochs`.", stacklevel=2)
            epochs = kwargs.pop("nb_epoch")
        if kwargs:
            raise TypeError("Unrecognized keyword arguments: " + str(kwargs))
        if x is None and y is None and steps_per_epoch is None:
            raise ValueError("If fitting from data tensors, you should specify the `steps_per_epoch` argument.")
        if batch_size is None and steps_per_epoch is None:
            batch_size = 32
        _check_batch_size(batch_size)
        x, y, sample_weights = self._standardize_user_data(x, y, sample_weight=sample_weight,
                                                           class_weight=class_weight, batch_size=batch_size)
        do_validation = False
        val_ins = []
        if validation_data:
            do_validation = True
            if len(validation_data) == 2:
                val_x, val_y = validation_data
                val_sample_weight = None
            elif len(validation_data) == 3:
                val_x, val_y, val_sample_weight = validation_data
            else:
                raise ValueError("When passing validation_data, it must contain 2 (x_val, y_val) or 3 "
                                 "(x_val, y_val, val_sample_weights) items, however it contains %d items"
                                 % len(validation_data))
            val_x, val_y, val_sample_weights = self._standardize_user_data(
                val_x, val_y, sample_weight=val_sample_weight, batch_size=batch_size)
            val_ins = val_x + val_y + val_sample_weights
            if self._feed_learning_phase():
                val_ins += [0.0]
        elif validation_split and 0.0 < validation_split < 1.0:
            do_validation = True
            split_at = int(int(x[0].shape[0]) * (1.0 - validation_split))
            x, val_x = [a[:split_at] for a in x], [a[split_at:] for a in x]
            y, val_y = [a[:split_at] for a in y], [a[split_at:] for a in y]
            sample_weights, val_sample_weights = ([a[:split_at] for a in sample_weights],
                                                  [a[split_at:] for a in sample_weights])
            val_ins = val_x + val_y + val_sample_weights
            if self._feed_learning_phase():
                val_ins += [0.0]
        elif validation_steps:
            do_validation = True
        ins = x + y + sample_weights
        if self._feed_learning_phase():
            ins += [1.0]
        self._make_train_function()
        f = self.train_function
        out_labels = self.metrics_names
        if do_validation:
            self._make_test_function()
            val_f = self.test_function
            callback_metrics = copy.copy(out_labels) + ["val_" + n for n in out_labels]
        else:
            val_f = None
            val_ins = []
            callback_metrics = copy.copy(out_labels)
        return training_arrays.fit_loop(self, f, ins, out_labels=out_labels, batch_size=batch_size,
                                        epochs=epochs, verbose=verbose, callbacks=callbacks,
                                        val_f=val_f, val_ins=val_ins, shuffle=shuffle,
                                        callback_metrics=callback_metrics, initial_epoch=initial_epoch,
                                        steps_per_epoch=steps_per_epoch, validation_steps=validation_steps)

    def evaluate(self, x=None, y=None, batch_size=None, verbose=1, sample_weight=None, steps=None):
        """Computes the loss and metrics on data, batch by batch, in test mode.

        # Arguments
            x: Numpy array of inputs, or a list or dict of arrays.
            y: target array(s).
            batch_size: integer, samples per batch (default 32).
            verbose: 0 or 1 (progress bar).
            sample_weight: optional array of per-sample loss weights.
            steps: number of batches when fed by tensors instead of arrays.

        # Returns
            The scalar loss if the model has no metrics and one output, else the list of
            scalars named by `model.metrics_names`.

        # Raises
            ValueError: when neither data nor `steps` is given, or the data does not match
                the model.
        """
        if x is None and y is None and steps is None:
            raise ValueError("If evaluating from data tensors, you should specify the `steps` argument.")
        if batch_size is None and steps is None:
            batch_size = 32
        _check_batch_size(batch_size)
        x, y, sample_weights = self._standardize_user_data(x, y, sample_weight=sample_weight, batch_size=batch_size)
        ins = x + y + sample_weights
        if self._feed_learning_phase():
            ins += [0.0]
        self._make_test_function()
        return training_arrays.test_loop(self, self.test_function, ins, batch_size=batch_size,
                                         verbose=verbose, steps=steps)

    def predict(self, x, batch_size=None, verbose=0, steps=None):
        """Computes the model's outputs for the input samples, batch by batch.

        # Arguments
            x: Numpy array of inputs, or a list or dict of arrays.
            batch_size: integer, samples per batch (default 32).
            verbose: 0 or 1 (progress bar).
            steps: number of batches when fed by tensors instead of arrays.

        # Returns
            Numpy array of predictions, or a list of arrays for several outputs.

        # Raises
            ValueError: when neither `x` nor `steps` is given, or the input does not match
                the model.
        """
        if x is None and steps is None:
            raise ValueError("If predicting from data tensors, you should specify the `steps` argument.")
        if batch_size is None and steps is None:
            batch_size = 32
        _check_batch_size(batch_size)
        x = standardize_input_data(x, self._feed_input_names, self._feed_input_shapes,
                                   check_batch_axis=False, exception_prefix="input")
        if self.stateful and batch_size and x[0].shape[0] > batch_size and x[0].shape[0] % batch_size != 0:
            raise ValueError("In a stateful network, you should only pass inputs with a number of samples "
                             "that can be divided by the batch size. Found: " + str(x[0].shape[0]) +
                             " samples. Batch size: " + str(batch_size) + ".")
        ins = x + ([0.0] if self._feed_learning_phase() else [])
        self._make_predict_function()
        return training_arrays.predict_loop(self, self.predict_function, ins, batch_size=batch_size,
                                            verbose=verbose, steps=steps)

    def train_on_batch(self, x, y, sample_weight=None, class_weight=None):
        """Runs one gradient update on one batch.

        For custom training loops, e.g. GANs alternating between two models.

        # Arguments
            x: Numpy array of inputs, or a list or dict of arrays.
            y: target array(s).
            sample_weight: optional array of per-sample loss weights.
            class_weight: optional dict `{class index: weight}`.

        # Returns
            The scalar training loss, or a list of scalars (see `model.metrics_names`).
        """
        x, y, sample_weights = self._standardize_user_data(x, y, sample_weight=sample_weight,
                                                           class_weight=class_weight)
        ins = x + y + sample_weights
        if self._feed_learning_phase():
            ins += [1.0]
        self._make_train_function()
        outputs = self.train_function(ins)
        return unpack_singleton(outputs)

    def test_on_batch(self, x, y, sample_weight=None):
        """Computes the loss and metrics on one batch, without updating weights.

        # Arguments
            x: Numpy array of inputs, or a list or dict of arrays.
            y: target array(s).
            sample_weight: optional array of per-sample loss weights.

        # Returns
            The scalar loss, or a list of scalars (see `model.metrics_names`).
        """
        x, y, sample_weights = self._standardize_user_data(x, y, sample_weight=sample_weight)
        ins = x + y + sample_weights
        if self._feed_learning_phase():
            ins += [0.0]
        self._make_test_function()
        return unpack_singleton(self.test_function(ins))

    def predict_on_batch(self, x):
        """Computes the model's outputs for one batch, in one call.

        # Arguments
            x: Numpy array of inputs, or a list or dict of arrays.

        # Returns
            Numpy array of predictions, or a list of arrays for several outputs.
        """
        x = standardize_input_data(x, self._feed_input_names, self._feed_input_shapes,
                                   check_batch_axis=False, exception_prefix="input")
        ins = x + ([0.0] if self._feed_learning_phase() else [])
        self._make_predict_function()
        return unpack_singleton(self.predict_function(ins))

    @legacy_generator_methods_support
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                      validation_data=None, validation_steps=None, class_weight=None, max_queue_size=10,
                      workers=1, use_multiprocessing=False, shuffle=True, initial_epoch=0):
        """Trains the model on batches produced by a Python generator or a `Sequence`.

        For data that does not fit in memory or is augmented on the fly: batches are
        produced in parallel with training, in `workers` threads or processes.

        # Arguments
            generator: a generator or a `keralite.utils.Sequence` yielding `(x, y)` or
                `(x, y, sample_weight)` tuples, forever for a generator.
            steps_per_epoch: batches per epoch; a Sequence's length by default.
            epochs: integer, the epoch index to stop at.
            verbose: 0, 1 or 2, as in `fit`.
            callbacks: list of callbacks.
            validation_data: a generator, a Sequence or a tuple of arrays to validate on
                after each epoch.
            validation_steps: batches drawn from a validation generator.
            class_weight: optional dict `{class index: weight}`.
            max_queue_size: the most batches waiting in the queue.
            workers: number of threads or processes producing batches.
            use_multiprocessing: whether the workers are processes rather than threads
                (the generator must then be picklable).
            shuffle: whether to shuffle the order of a Sequence's batches each epoch.
            initial_epoch: the epoch to start from.

        # Returns
            A `History` object.
        """
        from . import training_generator
        return training_generator.fit_generator(
            self, generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
            callbacks=callbacks, validation_data=validation_data, validation_steps=validation_steps,
            class_weight=class_weight, max_queue_size=max_queue_size, workers=workers,
            use_multiprocessing=use_multiprocessing, shuffle=shuffle, initial_epoch=initial_epoch)

    @legacy_generator_methods_support
    def evaluate_generator(self, generator, steps=None, max_queue_size=10, workers=1,
                           use_multiprocessing=False):
        """Computes the loss and metrics on batches from a generator or a `Sequence`.

        # Arguments
            generator: a generator or Sequence yielding `(x, y)` or `(x, y, sample_weight)`.
            steps: number of batches to draw; a Sequence's length by default.
            max_queue_size: the most batches waiting in the queue.
            workers: number of threads or processes producing batches.
            use_multiprocessing: whether the workers are processes.

        # Returns
            The scalar loss, or a list of scalars (see `model.metrics_names`), averaged
            over the samples.
        """
        from . import training_generator
        return training_generator.evaluate_generator(self, generator, steps=steps, max_queue_size=max_queue_size,
                                                     workers=workers, use_multiprocessing=use_multiprocessing)

    @legacy_generator_methods_support
    def predict_generator(self, generator, steps=None, max_queue_size=10, workers=1,
                          use_multiprocessing=False, verbose=0):
        """Computes predictions for the input batches of a generator or a `Sequence`.

        # Arguments
            generator: a generator or Sequence yielding inputs (or `(x, y)` tuples, whose
                `y` is ignored).
            steps: number of batches to draw; a Sequence's length by default.
            max_queue_size: the most batches waiting in the queue.
            workers: number of threads or processes producing batches.
            use_multiprocessing: whether the workers are processes.
            verbose: 0 or 1 (progress bar).

        # Returns
            Numpy array of predictions, or a list of arrays for several outputs.
        """
        from . import training_generator
        return training_generator.predict_generator(self, generator, steps=steps, max_queue_size=max_queue_size,
                                                    workers=workers, use_multiprocessing=use_multiprocessing,
                                                    verbose=verbose)


def _target_shape(output_shape, loss_fn):
    """The shape targets must have for this output: sparse categorical crossentropy
    takes class indices; a loss that is not one of keras.losses may take anything."""
    name = getattr(loss_fn, "__name__", None)
    if name == "sparse_categorical_crossentropy":
        return tuple(output_shape[:-1]) + (1,)
    if name is None or getattr(losses_module, name, None) is not loss_fn:
        return None
    return output_shape


def _check_batch_size(batch_size):
    """fit/evaluate/predict take a positive integer batch size (or None with `steps`)."""
    if batch_size is None:
        return
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")


def _check_num_samples(ins, batch_size=None, steps=None, steps_name="steps"):
    """The number of samples in `ins` (None when `steps` counts batches instead).

    # Raises
        ValueError: when both `steps` and `batch_size` are given, or when neither
            `steps` nor a shaped first input says how much data there is.
    """
    if steps is not None:
        if batch_size is not None:
            raise ValueError("If " + steps_name + " is set, the `batch_size` must be None.")
        return None
    if ins and hasattr(ins[0], "shape"):
        return int(ins[0].shape[0])
    raise ValueError("Either the input data should have a defined shape, or " + steps_name +
                     " should be specified.")


def _standardize_sample_weights(sample_weight, output_names):
    """`sample_weight` as one entry per output (Keras 2.1.6's private helper)."""
    return standardize_sample_or_class_weights(sample_weight, output_names, "sample_weight")


def _standardize_class_weights(class_weight, output_names):
    """`class_weight` as one entry per output (Keras 2.1.6's private helper)."""
    return standardize_sample_or_class_weights(class_weight, output_names, "class_weight")


# The private names of Keras 2.1.6's keras/engine/training.py: Keras' own tests and
# third-party code import them from here, so they keep their old spelling.
_standardize_input_data = standardize_input_data
_standardize_sample_or_class_weights = standardize_sample_or_class_weights
_check_array_lengths = check_array_length_consistency
_check_loss_and_target_compatibility = check_loss_and_target_compatibility
_weighted_masked_objective = weighted_masked_objective
_standardize_weights = standardize_weights
_collect_metrics = collect_metrics
_make_batches = make_batches
_batch_shuffle = batch_shuffle
_slice_arrays = slice_arrays
