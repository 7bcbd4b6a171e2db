"""Keras 2 optimizers: SGD, RMSprop, Adagrad, Adadelta, Adam, Adamax, Nadam.

An optimizer turns (loss, params) into a list of backend updates that `K.function`
applies. Hyperparameters a callback may change (`lr`, `decay`, `iterations`, betas)
are backend variables, as in Keras 2.1.6. The order of `optimizer.weights` is the
order Keras 2.1.6 writes into a saved model's `optimizer_weights`, which are read back
by position, so it must not change.
"""
import functools

import numpy as np

from . import backend as K
from .utils.generic_utils import (serialize_keras_object, deserialize_keras_object,
                                  get_custom_objects)


def clip_norm(g, c, n):
    """Rescales a gradient when the global gradient norm reaches a threshold.

    All gradients share the factor `c / n`, so their direction is kept while an
    exploding step is capped.

    # Arguments
        g: a gradient tensor.
        c: float, the clipping threshold (`clipnorm`); 0 or less disables clipping.
        n: tensor, the global L2 norm of all gradients.

    # Returns
        `g * c / n` where `n >= c`, else `g`.
    """
    if c <= 0:
        return g
    return K.switch(K.greater_equal(n, c), g * c / n, g)


def _accepts_learning_rate(init):
    """Lets `learning_rate=` (the name newer Keras uses and writes into configs) stand
    for the Keras 2.1.6 argument `lr`."""
    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        if "learning_rate" in kwargs:
            if "lr" in kwargs:
                raise TypeError("Pass the learning rate as `lr` or as `learning_rate`, not both.")
            kwargs["lr"] = kwargs.pop("learning_rate")
        return init(self, *args, **kwargs)
    return wrapper


def _accepts_keras1_get_updates(get_updates):
    """Lets Keras 1 callers use `get_updates(params, constraints, loss)`; the constraints
    dict is ignored (Keras 2 reads each variable's own `constraint`)."""
    @functools.wraps(get_updates)
    def wrapper(self, *args, **kwargs):
        if len(args) > 3:
            raise TypeError("`get_updates` call received more arguments than expected.")
        if len(args) == 3:                      # (params, constraints, loss)
            params, _, loss = args
            return get_updates(self, loss=loss, params=params)
        if len(args) == 2 and isinstance(args[0], (list, tuple)) and isinstance(args[1], dict):
            params = args[0]                    # (params, constraints, loss=...)
            return get_updates(self, loss=kwargs.pop("loss"), params=params, **kwargs)
        kwargs.pop("constraints", None)
        return get_updates(self, *args, **kwargs)
    return wrapper


# Config keys that newer Keras / tf.keras write but that mean nothing here: dropped
# whatever their value.
_BOOKKEEPING_KEYS = ("name", "is_legacy_optimizer", "jit_compile", "ema_momentum",
                     "ema_overwrite_frequency", "loss_scale_factor")
# Newer config keys that are harmless when they hold these values (any other value
# would change training, so it stays and is rejected by the constructor).
_NEUTRAL_NEWER_VALUES = {"clipnorm": None, "clipvalue": None, "global_clipnorm": None,
                         "weight_decay": None, "use_ema": False,
                         "gradient_accumulation_steps": None}


class Optimizer:
    """Base class of the optimizers (not itself usable for training).

    An optimizer turns a loss and a list of weights into the update ops that one
    training step runs. Subclasses implement `get_updates`.

    # Arguments
        **kwargs: `clipnorm` (rescale all gradients when their global L2 norm exceeds
            it) and `clipvalue` (clip each gradient element to
            [-clipvalue, clipvalue]), both guarding against exploding gradients.

    # Raises
        TypeError: for any other keyword argument.
    """

    # per-class additions to _NEUTRAL_NEWER_VALUES
    _neutral_newer_values = {}

    def __init__(self, **kwargs):
        allowed_kwargs = {"clipnorm", "clipvalue"}
        for k in kwargs:
            if k not in allowed_kwargs:
                raise TypeError("Unexpected keyword argument passed to optimizer: " + str(k))
        self.__dict__.update(kwargs)
        self.updates = []
        self.weights = []

    def get_updates(self, loss, params):
        """The update ops of one training step; every optimizer implements it.

        # Arguments
            loss: the scalar loss tensor.
            params: list of the weight variables to update.

        # Returns
            List of updates (variable, new value), also kept in `self.updates`.

        # Raises
            NotImplementedError: on the base class, which has no update rule.
        """
        raise NotImplementedError

    def get_gradients(self, loss, params):
        """The gradients of `loss` with respect to `params`, clipped as configured.

        # Arguments
            loss: the scalar loss tensor.
            params: list of weight variables.

        # Returns
            List of gradient tensors, one per weight.

        # Raises
            ValueError: when a weight has no gradient (the loss goes through an operation
                that cannot be differentiated, such as `K.argmax`).
        """
        grads = K.gradients(loss, params)
        if any(g is None for g in grads):
            raise ValueError("An operation has `None` for gradient. "
                             "Please make sure that all of your ops have a "
                             "gradient defined (i.e. are differentiable). "
                             "Common ops without gradient: "
                             "K.argmax, K.round, K.eval.")
        if hasattr(self, "clipnorm") and self.clipnorm > 0:
            norm = K.sqrt(sum(K.sum(K.square(g)) for g in grads))
            grads = [clip_norm(g, self.clipnorm, norm) for g in grads]
        if hasattr(self, "clipvalue") and self.clipvalue > 0:
            grads = [K.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def set_weights(self, weights):
        """Sets the optimizer's state (step counter, moments, ...) from Numpy arrays.

        Restores the state saved with a model so training resumes where it stopped; only
        possible once `get_updates` has created the state variables.

        # Arguments
            weights: list of Numpy arrays, in the order of `weights`.

        # Raises
            ValueError: when the number of arrays or one of their shapes does not match.
        """
        params = self.weights
        if len(params) != len(weights):
            raise ValueError("Length of the specified weight list (" + str(len(weights)) +
                             ") does not match the number of weights "
                             "of the optimizer (" + str(len(params)) + ")")
        weight_value_tuples = []
        param_values = K.batch_get_value(params)
        for pv, p, w in zip(param_values, params, weights):
            w = np.asarray(w)
            if pv.shape != w.shape:
                raise ValueError("Optimizer weight shape " + str(pv.shape) +
                                 " not compatible with "
                                 "provided weight shape " + str(w.shape))
            weight_value_tuples.append((p, w))
        K.batch_set_value(weight_value_tuples)

    def get_weights(self):
        """The current values of the optimizer's state variables.

        # Returns
            List of Numpy arrays, in the order saved models store them.
        """
        return K.batch_get_value(self.weights)

    def _make_variables(self, **values):
        """The step counter and the hyperparameters as backend variables (named under the
        optimizer's scope), so callbacks can change them with K.set_value mid-training."""
        with K.name_scope(self.__class__.__name__):
            self.iterations = K.variable(0, dtype="int64", name="iterations")
            for name, value in values.items():
                setattr(self, name, K.variable(value, name=name))

    def get_config(self):
        """The optimizer's hyperparameters, as saved in a model file.

        # Returns
            Dict of the configuration (`clipnorm` and `clipvalue` when set, plus each
            optimizer's own arguments).
        """
        config = {}
        if hasattr(self, "clipnorm"):
            config["clipnorm"] = self.clipnorm
        if hasattr(self, "clipvalue"):
            config["clipvalue"] = self.clipvalue
        return config

    @classmethod
    def from_config(cls, config):
        """Creates an optimizer from the dict `get_config` returned.

        Keys written by newer Keras versions that change nothing here are dropped first,
        so their saved models load.

        # Arguments
            config: dict of the configuration.

        # Returns
            A new optimizer instance.
        """
        return cls(**cls._config_for_init(config))

    @classmethod
    def _config_for_init(cls, config):
        """A config without the keys that newer Keras versions add and that have no
        effect here (so their saved models load)."""
        config = dict(config)
        for key in _BOOKKEEPING_KEYS:
            config.pop(key, None)
        neutral = dict(_NEUTRAL_NEWER_VALUES, **cls._neutral_newer_values)
        for key, value in neutral.items():
            if key in config and config[key] == value:
                del config[key]
        rate = config.get("learning_rate", config.get("lr"))
        if isinstance(rate, dict):
            raise ValueError("keralite optimizers take a number as learning rate; this config "
                             "holds a learning-rate schedule (" + str(rate.get("class_name")) +
                             "): use a LearningRateScheduler callback instead")
        return config

    # ------------------------------------------------------------- shared pieces
    def _decayed_lr(self):
        """lr / (1 + decay * iterations) when the optimizer was built with decay > 0."""
        lr = self.lr
        if self.initial_decay > 0:
            lr = lr * (1. / (1. + self.decay * K.cast(self.iterations, K.dtype(self.decay))))
        return lr

    @staticmethod
    def _constrained(p, new_p):
        constraint = getattr(p, "constraint", None)
        return constraint(new_p) if constraint is not None else new_p


def _epsilon_or_default(epsilon):
    return K.epsilon() if epsilon is None else epsilon


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, Nesterov momentum and
    learning-rate decay.

    The simplest optimizer, and with momentum still one of the best for convolutional
    networks given a tuned learning rate.

    # Arguments
        lr: float >= 0, the learning rate (`learning_rate` is accepted too).
        momentum: float >= 0, how much of the previous step carries over, which speeds
            up descent along consistent directions and damps oscillations.
        decay: float >= 0, the learning rate is divided by `1 + decay * iterations`.
        nesterov: whether to use Nesterov momentum (the gradient is read after the
            momentum step).
        **kwargs: `clipnorm` and `clipvalue` (see Optimizer).
    """

    @_accepts_learning_rate
    def __init__(self, lr=0.01, momentum=0., decay=0., nesterov=False, **kwargs):
        super().__init__(**kwargs)
        self._make_variables(lr=lr, momentum=momentum, decay=decay)
        self.initial_decay = decay
        self.nesterov = nesterov

    @_accepts_keras1_get_updates
    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [K.update_add(self.iterations, 1)]
        lr = self._decayed_lr()
        moments = [K.zeros(K.int_shape(p)) for p in params]
        self.weights = [self.iterations] + moments
        for p, g, m in zip(params, grads, moments):
            velocity = self.momentum * m - lr * g
            self.updates.append(K.update(m, velocity))
            if self.nesterov:
                new_p = p + self.momentum * velocity - lr * g
            else:
                new_p = p + velocity
            self.updates.append(K.update(p, self._constrained(p, new_p)))
        return self.updates

    def get_config(self):
        config = {"lr": float(K.get_value(self.lr)),
                  "momentum": float(K.get_value(self.momentum)),
                  "decay": float(K.get_value(self.decay)),
                  "nesterov": self.nesterov}
        return dict(super().get_config(), **config)


class RMSprop(Optimizer):
    """Divides the gradient by a running average of its recent magnitude.

    Gives each weight its own effective step size; a good choice for recurrent
    networks. Only the learning rate is usually worth tuning.

    # Arguments
        lr: float >= 0, the learning rate (`learning_rate` is accepted too).
        rho: float >= 0, the decay of the moving average of squared gradients.
        epsilon: float >= 0, the fuzz factor that keeps the division finite; None
            means `K.epsilon()`.
        decay: float >= 0, learning-rate decay over each update.
        **kwargs: `clipnorm` and `clipvalue` (see Optimizer).
    """

    _neutral_newer_values = {"momentum": 0.0, "centered": False}

    @_accepts_learning_rate
    def __init__(self, lr=0.001, rho=0.9, epsilon=None, decay=0., **kwargs):
        super().__init__(**kwargs)
        self._make_variables(lr=lr, rho=rho, decay=decay)
        self.epsilon = _epsilon_or_default(epsilon)
        self.initial_decay = decay

    @_accepts_keras1_get_updates
    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        accumulators = [K.zeros(K.int_shape(p), dtype=K.dtype(p)) for p in params]
        self.weights = accumulators
        self.updates = [K.update_add(self.iterations, 1)]
        lr = self._decayed_lr()
        for p, g, a in zip(params, grads, accumulators):
            new_a = self.rho * a + (1. - self.rho) * K.square(g)
            self.updates.append(K.update(a, new_a))
            new_p = p - lr * g / (K.sqrt(new_a) + self.epsilon)
            self.updates.append(K.update(p, self._constrained(p, new_p)))
        return self.updates

    def set_weights(self, weights):
        _set_weights_maybe_with_iterations(self, weights)

    def get_config(self):
        config = {"lr": float(K.get_value(self.lr)),
                  "rho": float(K.get_value(self.rho)),
                  "decay": float(K.get_value(self.decay)),
                  "epsilon": self.epsilon}
        return dict(super().get_config(), **config)


class Adagrad(Optimizer):
    """Per-parameter learning rates that shrink with the sum of squared gradients.

    # Arguments
        lr: float >= 0, the learning rate.
        epsilon: float >= 0 or None (K.epsilon()), the fuzz factor.
        decay: float >= 0, learning-rate decay over each update.
        initial_accumulator_value: float >= 0, where the sums of squared gradients
            start (an argument of newer Keras, which writes it into its configs;
            Keras 2.1.6 starts them at 0, the default here).

    # Raises
        ValueError: for a negative `initial_accumulator_value`.
    """

    @_accepts_learning_rate
    def __init__(self, lr=0.01, epsilon=None, decay=0., initial_accumulator_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if initial_accumulator_value < 0:
            raise ValueError("initial_accumulator_value must be non-negative: " + str(initial_accumulator_value))
        self._make_variables(lr=lr, decay=decay)
        self.epsilon = _epsilon_or_default(epsilon)
        self.initial_decay = decay
        self.initial_accumulator_value = float(initial_accumulator_value)

    @_accepts_keras1_get_updates
    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        accumulators = [K.variable(np.full(K.int_shape(p), self.initial_accumulator_value, dtype=K.floatx()))
                        for p in params]
        self.weights = accumulators
        self.updates = [K.update_add(self.iterations, 1)]
        lr = self._decayed_lr()
        for p, g, a in zip(params, grads, accumulators):
            new_a = a + K.square(g)
            self.updates.append(K.update(a, new_a))
            new_p = p - lr * g / (K.sqrt(new_a) + self.epsilon)
            self.updates.append(K.update(p, self._constrained(p, new_p)))
        return self.updates

    def set_weights(self, weights):
        _set_weights_maybe_with_iterations(self, weights)

    def get_config(self):
        config = {"lr": float(K.get_value(self.lr)),
                  "decay": float(K.get_value(self.decay)),
                  "epsilon": self.epsilon}
        if self.initial_accumulator_value:
            # only when set, so that a Keras 2.1.6 config round-trips unchanged
            config["initial_accumulator_value"] = self.initial_accumulator_value
        return dict(super().get_config(), **config)


class Adadelta(Optimizer):
    """Adagrad with a window of past gradients and a unit-corrected step.

    The step keeps adapting instead of shrinking forever as Adagrad's does, and the
    default learning rate of 1.0 rarely needs tuning.

    # Arguments
        lr: float >= 0, a factor on the computed step (1.0 in the original method).
        rho: float >= 0, the decay of the moving averages.
        epsilon: float >= 0, the fuzz factor; None means `K.epsilon()`.
        decay: float >= 0, learning-rate decay over each update.
        **kwargs: `clipnorm` and `clipvalue` (see Optimizer).
    """

    @_accepts_learning_rate
    def __init__(self, lr=1.0, rho=0.95, epsilon=None, decay=0., **kwargs):
        super().__init__(**kwargs)
        self._make_variables(lr=lr, decay=decay)
        self.rho = rho
        self.epsilon = _epsilon_or_default(epsilon)
        self.initial_decay = decay

    @_accepts_keras1_get_updates
    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        shapes = [K.int_shape(p) for p in params]
        accumulators = [K.zeros(shape) for shape in shapes]
        delta_accumulators = [K.zeros(shape) for shape in shapes]
        self.weights = accumulators + delta_accumulators
        self.updates = [K.update_add(self.iterations, 1)]
        lr = self._decayed_lr()
        for p, g, a, d_a in zip(params, grads, accumulators, delta_accumulators):
            new_a = self.rho * a + (1. - self.rho) * K.square(g)
            self.updates.append(K.update(a, new_a))
            # the step uses the new gradient average and the *old* step average
            step = g * K.sqrt(d_a + self.epsilon) / K.sqrt(new_a + self.epsilon)
            new_p = p - lr * step
            self.updates.append(K.update(p, self._constrained(p, new_p)))
            new_d_a = self.rho * d_a + (1 - self.rho) * K.square(step)
            self.updates.append(K.update(d_a, new_d_a))
        return self.updates

    def set_weights(self, weights):
        _set_weights_maybe_with_iterations(self, weights)

    def get_config(self):
        config = {"lr": float(K.get_value(self.lr)),
                  "rho": self.rho,
                  "decay": float(K.get_value(self.decay)),
                  "epsilon": self.epsilon}
        return dict(super().get_config(), **config)


class Adam(Optimizer):
    """Adaptive moment estimation, optionally the AMSGrad variant.

    Combines momentum (first moment) with RMSprop's per-weight scaling (second moment),
    with a bias correction for the first steps; the usual default optimizer.

    # Arguments
        lr: float >= 0, the learning rate (`learning_rate` is accepted too).
        beta_1: float in (0, 1), the decay of the first-moment average.
        beta_2: float in (0, 1), the decay of the second-moment average.
        epsilon: float >= 0, the fuzz factor; None means `K.epsilon()`.
        decay: float >= 0, learning-rate decay over each update.
        amsgrad: whether to use the AMSGrad variant, which keeps the largest second
            moment seen so the step size cannot grow back.
        **kwargs: `clipnorm` and `clipvalue` (see Optimizer).
    """

    @_accepts_learning_rate
    def __init__(self, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.,
                 amsgrad=False, **kwargs):
        super().__init__(**kwargs)
        self._make_variables(lr=lr, beta_1=beta_1, beta_2=beta_2, decay=decay)
        self.epsilon = _epsilon_or_default(epsilon)
        self.initial_decay = decay
        self.amsgrad = amsgrad

    @_accepts_keras1_get_updates
    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [K.update_add(self.iterations, 1)]
        lr = self._decayed_lr()
        t = K.cast(self.iterations, K.floatx()) + 1
        lr_t = lr * (K.sqrt(1. - K.pow(self.beta_2, t)) / (1. - K.pow(self.beta_1, t)))

        ms = [K.zeros(K.int_shape(p), dtype=K.dtype(p)) for p in params]
        vs = [K.zeros(K.int_shape(p), dtype=K.dtype(p)) for p in params]
        if self.amsgrad:
            vhats = [K.zeros(K.int_shape(p), dtype=K.dtype(p)) for p in params]
        else:
            # unused, but Keras 2.1.6 creates (and saves) one 1-element weight per param
            vhats = [K.zeros(1) for _ in params]
        self.weights = [self.iterations] + ms + vs + vhats

        for p, g, m, v, vhat in zip(params, grads, ms, vs, vhats):
            m_t = (self.beta_1 * m) + (1. - self.beta_1) * g
            v_t = (self.beta_2 * v) + (1. - self.beta_2) * K.square(g)
            if self.amsgrad:
                vhat_t = K.maximum(vhat, v_t)
                new_p = p - lr_t * m_t / (K.sqrt(vhat_t) + self.epsilon)
                self.updates.append(K.update(vhat, vhat_t))
            else:
                new_p = p - lr_t * m_t / (K.sqrt(v_t) + self.epsilon)
            self.updates.append(K.update(m, m_t))
            self.updates.append(K.update(v, v_t))
            self.updates.append(K.update(p, self._constrained(p, new_p)))
        return self.updates

    def get_config(self):
        config = {"lr": float(K.get_value(self.lr)),
                  "beta_1": float(K.get_value(self.beta_1)),
                  "beta_2": float(K.get_value(self.beta_2)),
                  "decay": float(K.get_value(self.decay)),
                  "epsilon": self.epsilon,
                  "amsgrad": self.amsgrad}
        return dict(super().get_config(), **config)


class Adamax(Optimizer):
    """Adam with the infinity norm in place of the second moment.

    # Arguments
        lr: float >= 0, the learning rate.
        beta_1: float in (0, 1), the decay of the first-moment average.
        beta_2: float in (0, 1), the decay of the weighted infinity norm.
        epsilon: float >= 0, the fuzz factor; None means `K.epsilon()`.
        decay: float >= 0, learning-rate decay over each update.
        **kwargs: `clipnorm` and `clipvalue` (see Optimizer).
    """

    @_accepts_learning_rate
    def __init__(self, lr=0.002, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0., **kwargs):
        super().__init__(**kwargs)
        self._make_variables(lr=lr, beta_1=beta_1, beta_2=beta_2, decay=decay)
        self.epsilon = _epsilon_or_default(epsilon)
        self.initial_decay = decay

    @_accepts_keras1_get_updates
    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [K.update_add(self.iterations, 1)]
        lr = self._decayed_lr()
        t = K.cast(self.iterations, K.floatx()) + 1
        lr_t = lr / (1. - K.pow(self.beta_1, t))

        shapes = [K.int_shape(p) for p in params]
        ms = [K.zeros(shape) for shape in shapes]      # first moment
        us = [K.zeros(shape) for shape in shapes]      # decaying infinity norm
        self.weights = [self.iterations] + ms + us

        for p, g, m, u in zip(params, grads, ms, us):
            m_t = (self.beta_1 * m) + (1. - self.beta_1) * g
            u_t = K.maximum(self.beta_2 * u, K.abs(g))
            new_p = p - lr_t * m_t / (u_t + self.epsilon)
            self.updates.append(K.update(m, m_t))
            self.updates.append(K.update(u, u_t))
            self.updates.append(K.update(p, self._constrained(p, new_p)))
        return self.updates

    def get_config(self):
        config = {"lr": float(K.get_value(self.lr)),
                  "beta_1": float(K.get_value(self.beta_1)),
                  "beta_2": float(K.get_value(self.beta_2)),
                  "decay": float(K.get_value(self.decay)),
                  "epsilon": self.epsilon}
        return dict(super().get_config(), **config)


class Nadam(Optimizer):
    """Adam with Nesterov momentum and a warming momentum schedule.

    # Arguments
        lr: float >= 0, the learning rate.
        beta_1: float in (0, 1), the decay of the first-moment average.
        beta_2: float in (0, 1), the decay of the second-moment average.
        epsilon: float >= 0, the fuzz factor; None means `K.epsilon()`.
        schedule_decay: float, how fast the momentum warms up to `beta_1`.
        **kwargs: `clipnorm` and `clipvalue` (see Optimizer).
    """

    @classmethod
    def _config_for_init(cls, config):
        # tf.keras' (legacy) Nadam stores its momentum schedule decay as `decay`
        # (default 0.004) and does not decay its learning rate with it
        config = dict(config)
        if "decay" in config and "schedule_decay" not in config:
            config["schedule_decay"] = config.pop("decay")
        return super()._config_for_init(config)

    @_accepts_learning_rate
    def __init__(self, lr=0.002, beta_1=0.9, beta_2=0.999, epsilon=None,
                 schedule_decay=0.004, **kwargs):
        super().__init__(**kwargs)
        self._make_variables(m_schedule=1., lr=lr, beta_1=beta_1, beta_2=beta_2)
        self.epsilon = _epsilon_or_default(epsilon)
        self.schedule_decay = schedule_decay

    @_accepts_keras1_get_updates
    def get_updates(self, loss, params):
        grads = self.get_gradients(loss, params)
        self.updates = [K.update_add(self.iterations, 1)]
        t = K.cast(self.iterations, K.floatx()) + 1

        # momentum warm-up (Dozat): mu_t = beta_1 * (1 - 0.5 * 0.96 ** (t * schedule_decay))
        momentum_cache_t = self.beta_1 * (1. - 0.5 * K.pow(0.96, t * self.schedule_decay))
        momentum_cache_t_1 = self.beta_1 * (1. - 0.5 * K.pow(0.96, (t + 1) * self.schedule_decay))
        m_schedule_new = self.m_schedule * momentum_cache_t
        m_schedule_next = self.m_schedule * momentum_cache_t * momentum_cache_t_1
        self.updates.append((self.m_schedule, m_schedule_new))

        shapes = [K.int_shape(p) for p in params]
        ms = [K.zeros(shape) for shape in shapes]
        vs = [K.zeros(shape) for shape in shapes]
        self.weights = [self.iterations] + ms + vs

        for p, g, m, v in zip(params, grads, ms, vs):
            g_prime = g / (1. - m_schedule_new)
            m_t = self.beta_1 * m + (1. - self.beta_1) * g
            m_t_prime = m_t / (1. - m_schedule_next)
            v_t = self.beta_2 * v + (1. - self.beta_2) * K.square(g)
            v_t_prime = v_t / (1. - K.pow(self.beta_2, t))
            m_t_bar = (1. - momentum_cache_t) * g_prime + momentum_cache_t_1 * m_t_prime
            self.updates.append(K.update(m, m_t))
            self.updates.append(K.update(v, v_t))
            new_p = p - self.lr * m_t_bar / (K.sqrt(v_t_prime) + self.epsilon)
            self.updates.append(K.update(p, self._constrained(p, new_p)))
        return self.updates

    def get_config(self):
        config = {"lr": float(K.get_value(self.lr)),
                  "beta_1": float(K.get_value(self.beta_1)),
                  "beta_2": float(K.get_value(self.beta_2)),
                  "epsilon": self.epsilon,
                  "schedule_decay": self.schedule_decay}
        return dict(super().get_config(), **config)


class TFOptimizer(Optimizer):
    """Keras' wrapper of a native TensorFlow optimizer; keralite has no TensorFlow.

    Kept so that code naming it fails with an explanation instead of an
    AttributeError.

    # Arguments
        optimizer: the TensorFlow optimizer Keras would wrap.
        **kwargs: ignored.

    # Raises
        NotImplementedError: always; use a keralite optimizer instead.
    """

    def __init__(self, optimizer=None, **kwargs):
        raise NotImplementedError(
            "TFOptimizer wraps a TensorFlow optimizer, and keralite has no TensorFlow. "
            "Use a keralite optimizer instead (e.g. keralite.optimizers.Adam or 'adam').")


def _set_weights_maybe_with_iterations(optimizer, weights):
    """set_weights for optimizers whose Keras 2.1.6 weights omit `iterations`: a list
    with one more, leading scalar (as Keras >= 2.3 saves) sets `iterations` too."""
    weights = list(weights)
    if len(weights) == len(optimizer.weights) + 1 and np.ndim(weights[0]) == 0:
        K.set_value(optimizer.iterations, np.asarray(weights[0]))
        weights = weights[1:]
    Optimizer.set_weights(optimizer, weights)


# Aliases.
sgd = SGD
rmsprop = RMSprop
adagrad = Adagrad
adadelta = Adadelta
adam = Adam
adamax = Adamax
nadam = Nadam


def serialize(optimizer):
    """The `{'class_name': ..., 'config': ...}` dict of an optimizer, as model files store it.

    # Arguments
        optimizer: the optimizer instance.

    # Returns
        Dict with the class name and `get_config()` result.
    """
    return serialize_keras_object(optimizer)


_BUILTIN = {"sgd": SGD, "rmsprop": RMSprop, "adagrad": Adagrad, "adadelta": Adadelta,
            "adam": Adam, "adamax": Adamax, "nadam": Nadam, "tfoptimizer": TFOptimizer}


def deserialize(config, custom_objects=None):
    """Creates an optimizer from `{'class_name': ..., 'config': {...}}`.

    Built-in class names match case-insensitively, also with a registration prefix
    (`'Custom>Adam'`, as tf.keras writes), so files of several Keras versions load.

    # Arguments
        config: dict with the class name and the config.
        custom_objects: optional dict mapping names to custom optimizer classes.

    # Returns
        An optimizer instance.
    """
    config = dict(config)
    class_name = str(config.get("class_name", ""))
    builtin_name = class_name.rsplit(">", 1)[-1].lower()
    custom_objects = custom_objects or {}
    is_custom = class_name in custom_objects or class_name in get_custom_objects()
    if builtin_name in _BUILTIN and not is_custom:
        config["class_name"] = builtin_name
    return deserialize_keras_object(config, module_objects=_BUILTIN,
                                    custom_objects=custom_objects,
                                    printable_module_name="optimizer")


def get(identifier):
    """Finds the optimizer an argument names: what `compile(optimizer=...)` accepts.

    # Arguments
        identifier: an Optimizer instance (returned as is), a name such as `'adam'`
            (a new instance with default arguments) or a serialized config dict.

    # Returns
        An optimizer instance.

    # Raises
        ValueError: when `identifier` is none of these.
    """
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": str(identifier), "config": {}})
    if isinstance(identifier, Optimizer):
        return identifier
    raise ValueError("Could not interpret optimizer identifier: " + str(identifier))
