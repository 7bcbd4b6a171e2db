"""Keras 1 keyword names of the Model methods, accepted with Keras 2.1.6's warnings.

Only the generator methods took Keras 1 names that Keras 2 renamed: `fit_generator`,
`evaluate_generator` and `predict_generator`. This module imports nothing of keralite
at load time, so the engine can decorate its methods with it while it is being defined.
"""
import functools
import warnings

# Keras 1 name -> Keras 2 name, for the generator methods
_GENERATOR_RENAMES = (("samples_per_epoch", "steps_per_epoch"), ("val_samples", "steps"), ("nb_epoch", "epochs"),
                      ("nb_val_samples", "validation_steps"), ("nb_worker", "workers"),
                      ("pickle_safe", "use_multiprocessing"), ("max_q_size", "max_queue_size"))
_GENERATOR_POSITIONAL = ("generator", "steps_per_epoch", "epochs")
_SEMANTICS_WARNING = ("The semantics of the Keras 2 argument `steps_per_epoch` is not the same as the Keras 1 "
                      "argument `samples_per_epoch`. `steps_per_epoch` is the number of batches to draw from the "
                      "generator at each epoch. Basically steps_per_epoch = samples_per_epoch/batch_size. "
                      "Similar for `nb_val_samples`->`validation_steps` and `val_samples`->`steps` arguments in "
                      "generate methods.Update your method calls accordingly.")
_KERAS1_SAMPLE_COUNTS = {"samples_per_epoch", "val_samples", "nb_epoch", "nb_val_samples", "nb_worker"}


def _samples_to_steps(args, kwargs):
    """samples_per_epoch -> steps_per_epoch, as Keras 2.1.6 converts it: divided (floor)
    by the generator's `batch_size` when the generator has one (an image iterator or a
    Sequence), else taken as a step count. The other counts are renamed unchanged."""
    converted = []
    if len(args) < 2 and "samples_per_epoch" in kwargs:
        samples = kwargs.pop("samples_per_epoch")
        generator = args[0] if args else kwargs.get("generator")
        batch_size = getattr(generator, "batch_size", None)
        kwargs["steps_per_epoch"] = samples // batch_size if batch_size else samples
        converted.append("steps_per_epoch")
    if _KERAS1_SAMPLE_COUNTS.intersection(kwargs):
        warnings.warn(_SEMANTICS_WARNING, stacklevel=3)
    return converted


def legacy_generator_methods_support(method):
    """Decorates fit/evaluate/predict_generator so that Keras 1 keyword names work.

    `samples_per_epoch` and the other Keras 1 sample counts become the Keras 2 step
    counts, with Keras 2.1.6's "Update your call" and semantics warnings.

    # Arguments
        method: the generator method written with Keras 2 names.

    # Returns
        The wrapped method; it raises TypeError for too many positional arguments or
        for one argument given under both its Keras 1 and Keras 2 name.
    """
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        name = method.__name__
        if len(args) > len(_GENERATOR_POSITIONAL):
            raise TypeError("`" + name + "` can accept only " + str(len(_GENERATOR_POSITIONAL)) +
                            " positional arguments " + str(_GENERATOR_POSITIONAL) +
                            ", but you passed the following positional arguments: " + str(list(args)))
        converted = _samples_to_steps(args, kwargs)
        for old, new in _GENERATOR_RENAMES:
            if old in kwargs:
                value = kwargs.pop(old)
                if new in kwargs:
                    raise TypeError("For the `" + new + "` argument, the layer received both the legacy keyword "
                                    "argument `" + old + "` and the Keras 2 keyword argument `" + new +
                                    "`. Stick to the latter!")
                kwargs[new] = value
                converted.append(new)
        if converted:
            from keralite.layers.legacy import keras2_signature
            warnings.warn("Update your `" + name + "` call to the Keras 2 API: " +
                          keras2_signature(name, args, kwargs), stacklevel=2)
        return method(self, *args, **kwargs)
    return wrapper
