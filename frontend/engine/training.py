"""Model: a Network that can be compiled and trained.

compile() builds the total loss, metrics and optimizer updates as backend tensors; the
train, test and predict functions are each ONE compiled native call per batch, compiled
once per compile() (the batch dim is symbolic, so a smaller last batch reuses them).
"""
import copy
import warnings

from .. import backend as K
from .. import losses as losses_module
from .. import metrics as metrics_module
from .. import optimizers
from ..utils.generic_utils import unpack_singleton
from .network import Network
from . import training_arrays
from .training_utils import (standardize_input_data, standardize_sample_or_class_weights,
                             standardize_weights, check_array_length_consistency,
                             check_loss_and_target_compatibility, weighted_masked_objective,
                             collect_metrics)


class Model(Network):
    """The functional Keras model: `Model(inputs, outputs)` plus training."""

    def compile(self, optimizer, loss=None, metrics=None, loss_weights=None,
                sample_weight_mode=None, weighted_metrics=None, target_tensors=None, **kwargs):
        if kwargs:
            raise TypeError("Invalid keyword argument(s) in `compile`: " + str(sorted(kwargs)))
        loss = loss or {}
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        self.loss_weights = loss_weights
        self.sample_weight_mode = sample_weight_mode
        self.metrics = metrics or []
        self.weighted_metrics = weighted_metrics

        # --- loss functions, one per output
        if isinstance(loss, dict):
            for name in loss:
                if name not in self.output_names:
                    raise ValueError("Unknown entry in loss dictionary: \"" + name + "\". Only expected the "
                                     "following keys: " + str(self.output_names))
            loss_functions = []
            for name in self.output_names:
                if name not in loss:
                    warnings.warn("Output \"" + name + "\" missing from loss dictionary. We assume this was "
                                  "done on purpose, and we will not be expecting any data to be passed to \"" +
                                  name + "\" during training.", stacklevel=2)
                loss_functions.append(losses_module.get(loss.get(name)))
        elif isinstance(loss, list):
            if len(loss) != len(self.outputs):
                raise ValueError("When passing a list as loss, it should have one entry per model outputs. "
                                 "The model has " + str(len(self.outputs)) + " outputs, but you passed loss=" +
                                 str(loss))
            loss_functions = [losses_module.get(x) for x in loss]
        else:
            loss_function = losses_module.get(loss)
            loss_functions = [loss_function for _ in range(len(self.outputs))]
        self.loss_functions = loss_functions
        weighted_losses = [weighted_masked_objective(fn) for fn in loss_functions]
        skip_target_indices = [i for i, fn in enumerate(loss_functions) if fn is None]

        # --- loss weights
        if loss_weights is None:
            loss_weights_list = [1.0 for _ in self.outputs]
        elif isinstance(loss_weights, dict):
            for name in loss_weights:
                if name not in self.output_names:
                    raise ValueError("Unknown entry in loss_weights dictionary: \"" + name + "\". Only expected "
                                     "the following keys: " + str(self.output_names))
            loss_weights_list = [loss_weights.get(name, 1.0) for name in self.output_names]
        elif isinstance(loss_weights, list):
            if len(loss_weights) != len(self.outputs):
                raise ValueError("When passing a list as loss_weights, it should have one entry per model "
                                 "output. The model has " + str(len(self.outputs)) + " outputs, but you passed "
                                 "loss_weights=" + str(loss_weights))
            loss_weights_list = loss_weights
        else:
            raise TypeError("Could not interpret loss_weights argument: " + str(loss_weights) +
                            " - expected a list of dicts.")

        # --- targets
        self.targets = []
        self._feed_targets = []
        if target_tensors is not None:
            raise NotImplementedError("compile(target_tensors=...) is not supported by keralite; "
                                      "feed targets as arrays to fit/train_on_batch")
        for i in range(len(self.outputs)):
            if i in skip_target_indices:
                self.targets.append(None)
                continue
            shape = K.int_shape(self.outputs[i])
            name = self.output_names[i]
            target = K.placeholder(ndim=len(shape), name=name + "_target",
                                   sparse=K.is_sparse(self.outputs[i]), dtype=K.dtype(self.outputs[i]))
            self.targets.append(target)
            self._feed_targets.append(target)

        # --- sample weights
        sample_weights, sample_weight_modes = [], []
        if isinstance(sample_weight_mode, dict):
            for name in sample_weight_mode:
                if name not in self.output_names:
                    raise ValueError("Unknown entry in sample_weight_mode dictionary: \"" + name + "\". Only "
                                     "expected the following keys: " + str(self.output_names))
            modes = [sample_weight_mode.get(name) for name in self.output_names]
        elif isinstance(sample_weight_mode, list):
            if len(sample_weight_mode) != len(self.outputs):
                raise ValueError("When passing a list as sample_weight_mode, it should have one entry per "
                                 "model output. The model has " + str(len(self.outputs)) + " outputs, but you "
                                 "passed sample_weight_mode=" + str(sample_weight_mode))
            modes = sample_weight_mode
        else:
            modes = [sample_weight_mode for _ in self.output_names]
        for i, name in enumerate(self.output_names):
            mode = modes[i]
            if i in skip_target_indices:
                sample_weights.append(None)
                sample_weight_modes.append(None)
                continue
            if mode == "temporal":
                weight = K.placeholder(ndim=2, name=name + "_sample_weights")
            else:
                weight = K.placeholder(ndim=1, name=name + "_sample_weights")
            sample_weights.append(weight)
            sample_weight_modes.append(mode)
        self.sample_weight_modes = sample_weight_modes
        self._feed_sample_weight_modes = [m for i, m in enumerate(sample_weight_modes) if i not in skip_target_indices]
        self.sample_weights = sample_weights
        self._feed_sample_weights = [w for i, w in enumerate(sample_weights) if i not in skip_target_indices]

        # --- total loss
        self.metrics_names = ["loss"]
        self.metrics_tensors = []
        total_loss = None
        masks = [getattr(x, "_keras_mask", None) for x in self.outputs]
        with K.name_scope("loss"):
            for i in range(len(self.outputs)):
                if i in skip_target_indices:
                    continue
                with K.name_scope(self.output_names[i] + "_loss"):
                    output_loss = weighted_losses[i](self.targets[i], self.outputs[i], sample_weights[i], masks[i])
                if len(self.outputs) > 1:
                    self.metrics_tensors.append(output_loss)
                    self.metrics_names.append(self.output_names[i] + "_loss")
                term = output_loss * loss_weights_list[i] if loss_weights_list[i] != 1 else output_loss
                total_loss = term if total_loss is None else total_loss + term
            if total_loss is None:
                if not self.losses:
                    raise ValueError("The model cannot be compiled because it has no loss to optimize.")
                total_loss = 0.0
            for loss_tensor in self.losses:
                total_loss = total_loss + loss_tensor
        self.total_loss = K.constant(total_loss) if isinstance(total_loss, float) else total_loss

        # --- metrics
        nested_metrics = collect_metrics(metrics, self.output_names)
        nested_weighted_metrics = collect_metrics(weighted_metrics, self.output_names)
        self._metric_updates = []

        def append_metric(layer_index, metric_name, metric_tensor):
            if len(self.output_names) > 1:
                metric_name = self.output_names[layer_index] + "_" + metric_name
            self.metrics_names.append(metric_name)
            self.metrics_tensors.append(metric_tensor)

        def handle_metrics(i, output_metrics, weights=None):
            y_true, y_pred = self.targets[i], self.outputs[i]
            mask = masks[i]
            for metric in output_metrics:
                if metric in ("accuracy", "acc", "crossentropy", "ce"):
                    output_shape = K.int_shape(self.outputs[i])
                    fn_name = getattr(self.loss_functions[i], "__name__", "")
                    if output_shape[-1] == 1 or fn_name == "binary_crossentropy":
                        metric_fn = metrics_module.binary_accuracy if metric in ("accuracy", "acc") \
                            else metrics_module.binary_crossentropy
                    elif fn_name == "sparse_categorical_crossentropy":
                        metric_fn = metrics_module.sparse_categorical_accuracy if metric in ("accuracy", "acc") \
                            else metrics_module.sparse_categorical_crossentropy
                    else:
                        metric_fn = metrics_module.categorical_accuracy if metric in ("accuracy", "acc") \
                            else metrics_module.categorical_crossentropy
                    suffix = "acc" if metric in ("accuracy", "acc") else "ce"
                    metric_name = (("weighted_" if weights is not None else "") + suffix)
                else:
                    metric_fn = metrics_module.get(metric)
                    metric_name = (("weighted_" if weights is not None else "") +
                                   getattr(metric_fn, "__name__", metric_fn.__class__.__name__))
                weighted_fn = weighted_masked_objective(metric_fn)
                with K.name_scope(metric_name):
                    metric_result = weighted_fn(y_true, y_pred, weights=weights, mask=mask)
                append_metric(i, metric_name, metric_result)

        with K.name_scope("metrics"):
            for i in range(len(self.outputs)):
                if i in skip_target_indices:
                    continue
                handle_metrics(i, nested_metrics[i])
                handle_metrics(i, nested_weighted_metrics[i], weights=sample_weights[i])

        self.train_function = None
        self.test_function = None
        self.predict_function = None
        self._collected_trainable_weights = self.trainable_weights
        self.stateful_metric_names = []

    # ---------------------------------------------------------------- compiled functions
    def _check_compiled(self):
        if not hasattr(self, "train_function"):
            raise RuntimeError("You must compile your model before using it.")

    def _feed_learning_phase(self):
        """False: keralite compiles the train function with the learning phase folded to
        1 and the test/predict functions with it folded to 0 (Keras feeds it instead), so
        dropout costs nothing at predict time."""
        return False

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
                updates = self.updates + training_updates + self._metric_updates
                self.train_function = K.function(inputs, [self.total_loss] + self.metrics_tensors,
                                                 updates=updates, name="train_function", learning_phase=1)

    def _make_test_function(self):
        self._check_compiled()
        if self.test_function is None:
            inputs = self._feed_inputs + self._feed_targets + self._feed_sample_weights
            if self._feed_learning_phase():
                inputs += [K.learning_phase()]
            self.test_function = K.function(inputs, [self.total_loss] + self.metrics_tensors,
                                            updates=self.state_updates + self._metric_updates,
                                            name="test_function", learning_phase=0)

    def _make_predict_function(self):
        if not hasattr(self, "predict_function"):
            self.predict_function = None
        if self.predict_function is None:
            inputs = list(self._feed_inputs)
            if self._feed_learning_phase():
                inputs += [K.learning_phase()]
            self.predict_function = K.function(inputs, self.outputs, updates=self.state_updates,
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
        if "nb_epoch" in kwargs:
            warnings.warn("The `nb_epoch` argument in `fit` has been renamed `epochs`.", stacklevel=2)
            epochs = kwargs.pop("nb_epoch")
        if kwargs:
            raise TypeError("Unrecognized keyword arguments: " + str(kwargs))
        if x is None and y is None and steps_per_epoch is None:
            raise ValueError("If fitting from data tensors, you should specify the `steps_per_epoch` argument.")
        if batch_size is None and steps_per_epoch is None:
            batch_size = 32
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
        if x is None and y is None and steps is None:
            raise ValueError("If evaluating from data tensors, you should specify the `steps` argument.")
        if batch_size is None and steps is None:
            batch_size = 32
        x, y, sample_weights = self._standardize_user_data(x, y, sample_weight=sample_weight, batch_size=batch_size)
        ins = x + y + sample_weights
        if self._feed_learning_phase():
            ins += [0.0]
        self._make_test_function()
        return training_arrays.test_loop(self, self.test_function, ins, batch_size=batch_size,
                                         verbose=verbose, steps=steps)

    def predict(self, x, batch_size=None, verbose=0, steps=None):
        if x is None and steps is None:
            raise ValueError("If predicting from data tensors, you should specify the `steps` argument.")
        if batch_size is None and steps is None:
            batch_size = 32
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
        x, y, sample_weights = self._standardize_user_data(x, y, sample_weight=sample_weight,
                                                           class_weight=class_weight)
        ins = x + y + sample_weights
        if self._feed_learning_phase():
            ins += [1.0]
        self._make_train_function()
        outputs = self.train_function(ins)
        return unpack_singleton(outputs)

    def test_on_batch(self, x, y, sample_weight=None):
        x, y, sample_weights = self._standardize_user_data(x, y, sample_weight=sample_weight)
        ins = x + y + sample_weights
        if self._feed_learning_phase():
            ins += [0.0]
        self._make_test_function()
        return unpack_singleton(self.test_function(ins))

    def predict_on_batch(self, x):
        x = standardize_input_data(x, self._feed_input_names, self._feed_input_shapes,
                                   check_batch_axis=False, exception_prefix="input")
        ins = x + ([0.0] if self._feed_learning_phase() else [])
        self._make_predict_function()
        return unpack_singleton(self.predict_function(ins))

    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                      validation_data=None, validation_steps=None, class_weight=None, max_queue_size=10,
                      workers=1, use_multiprocessing=False, shuffle=True, initial_epoch=0):
        from . import training_generator
        return training_generator.fit_generator(
            self, generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
            callbacks=callbacks, validation_data=validation_data, validation_steps=validation_steps,
            class_weight=class_weight, max_queue_size=max_queue_size, workers=workers,
            use_multiprocessing=use_multiprocessing, shuffle=shuffle, initial_epoch=initial_epoch)

    def evaluate_generator(self, generator, steps=None, max_queue_size=10, workers=1,
                           use_multiprocessing=False):
        from . import training_generator
        return training_generator.evaluate_generator(self, generator, steps=steps, max_queue_size=max_queue_size,
                                                     workers=workers, use_multiprocessing=use_multiprocessing)

    def predict_generator(self, generator, steps=None, max_queue_size=10, workers=1,
                          use_multiprocessing=False, verbose=0):
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
