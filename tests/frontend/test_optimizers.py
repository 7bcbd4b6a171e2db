"""keralite.optimizers against numpy implementations of the Keras 2.1.6 update rules.

Each case minimises a quadratic over two variables (shapes (2, 3) and (5,)) for three
steps through `K.function([], [loss], updates=opt.get_updates(loss, params))` and
compares, after every step, the variables and the optimizer's weights (in Keras'
saved order) with a reference written here in float64.
"""
import numpy as np
import pytest

from keralite import backend as K
from keralite import optimizers

EPS = 1e-7
SHAPES = [(2, 3), (5,)]


# ------------------------------------------------------------------ the problem
class Quadratic:
    """loss = sum(0.5 * curvature_a * a**2 + slope_a * a) + sum(curvature_b * (b - centre_b)**2)."""

    def __init__(self, seed):
        rng = np.random.default_rng(seed)
        self.start = [rng.normal(size=s) for s in SHAPES]
        self.curvature_a = rng.uniform(0.5, 2.0, size=SHAPES[0])
        self.slope_a = rng.normal(size=SHAPES[0])
        self.curvature_b = rng.uniform(0.5, 2.0, size=SHAPES[1])
        self.centre_b = rng.normal(size=SHAPES[1])

    def loss(self, a, b):
        return (K.sum(0.5 * K.constant(self.curvature_a) * K.square(a) + K.constant(self.slope_a) * a)
                + K.sum(K.constant(self.curvature_b) * K.square(b - K.constant(self.centre_b))))

    def numpy_loss(self, a, b):
        return (np.sum(0.5 * self.curvature_a * a ** 2 + self.slope_a * a)
                + np.sum(self.curvature_b * (b - self.centre_b) ** 2))

    def gradients(self, a, b):
        return [self.curvature_a * a + self.slope_a, 2 * self.curvature_b * (b - self.centre_b)]


def clipped(grads, clipnorm=None, clipvalue=None):
    if clipnorm:
        norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
        if norm >= clipnorm:
            grads = [g * clipnorm / norm for g in grads]
    if clipvalue:
        grads = [np.clip(g, -clipvalue, clipvalue) for g in grads]
    return grads


# ------------------------------------------------------------------ numpy references
class Reference:
    """One optimizer in numpy: `step(params, grads)` returns new params; `weights()`
    lists the state in the order of Keras' `optimizer.weights`."""

    def __init__(self, lr, decay=0.0, **hyper):
        self.lr, self.decay, self.hyper = lr, decay, hyper
        self.iterations = 0

    def decayed_lr(self):
        return self.lr / (1.0 + self.decay * self.iterations) if self.decay > 0 else self.lr

    def zeros(self):
        return [np.zeros(s) for s in SHAPES]


class SGDRef(Reference):
    def __init__(self, lr=0.01, momentum=0.0, decay=0.0, nesterov=False):
        super().__init__(lr, decay)
        self.momentum, self.nesterov = momentum, nesterov
        self.moments = self.zeros()

    def step(self, params, grads):
        lr = self.decayed_lr()
        new = []
        for i, (p, g) in enumerate(zip(params, grads)):
            velocity = self.momentum * self.moments[i] - lr * g
            self.moments[i] = velocity
            new.append(p + self.momentum * velocity - lr * g if self.nesterov else p + velocity)
        self.iterations += 1
        return new

    def weights(self):
        return [self.iterations] + self.moments


class RMSpropRef(Reference):
    def __init__(self, lr=0.001, rho=0.9, epsilon=EPS, decay=0.0):
        super().__init__(lr, decay)
        self.rho, self.epsilon = rho, epsilon
        self.accumulators = self.zeros()

    def step(self, params, grads):
        lr = self.decayed_lr()
        new = []
        for i, (p, g) in enumerate(zip(params, grads)):
            a = self.rho * self.accumulators[i] + (1 - self.rho) * g ** 2
            self.accumulators[i] = a
            new.append(p - lr * g / (np.sqrt(a) + self.epsilon))
        self.iterations += 1
        return new

    def weights(self):
        return list(self.accumulators)


class AdagradRef(Reference):
    def __init__(self, lr=0.01, epsilon=EPS, decay=0.0):
        super().__init__(lr, decay)
        self.epsilon = epsilon
        self.accumulators = self.zeros()

    def step(self, params, grads):
        lr = self.decayed_lr()
        new = []
        for i, (p, g) in enumerate(zip(params, grads)):
            self.accumulators[i] = self.accumulators[i] + g ** 2
            new.append(p - lr * g / (np.sqrt(self.accumulators[i]) + self.epsilon))
        self.iterations += 1
        return new

    def weights(self):
        return list(self.accumulators)


class AdadeltaRef(Reference):
    def __init__(self, lr=1.0, rho=0.95, epsilon=EPS, decay=0.0):
        super().__init__(lr, decay)
        self.rho, self.epsilon = rho, epsilon
        self.accumulators, self.deltas = self.zeros(), self.zeros()

    def step(self, params, grads):
        lr = self.decayed_lr()
        new = []
        for i, (p, g) in enumerate(zip(params, grads)):
            a = self.rho * self.accumulators[i] + (1 - self.rho) * g ** 2
            self.accumulators[i] = a
            update = g * np.sqrt(self.deltas[i] + self.epsilon) / np.sqrt(a + self.epsilon)
            new.append(p - lr * update)
            self.deltas[i] = self.rho * self.deltas[i] + (1 - self.rho) * update ** 2
        self.iterations += 1
        return new

    def weights(self):
        return self.accumulators + self.deltas


class AdamRef(Reference):
    def __init__(self, lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=EPS, decay=0.0, amsgrad=False):
        super().__init__(lr, decay)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = beta_1, beta_2, epsilon, amsgrad
        self.ms, self.vs = self.zeros(), self.zeros()
        self.vhats = self.zeros() if amsgrad else [np.zeros(1) for _ in SHAPES]

    def step(self, params, grads):
        t = self.iterations + 1
        lr_t = self.decayed_lr() * np.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)
        new = []
        for i, (p, g) in enumerate(zip(params, grads)):
            self.ms[i] = self.beta_1 * self.ms[i] + (1 - self.beta_1) * g
            self.vs[i] = self.beta_2 * self.vs[i] + (1 - self.beta_2) * g ** 2
            denominator = self.vs[i]
            if self.amsgrad:
                self.vhats[i] = np.maximum(self.vhats[i], self.vs[i])
                denominator = self.vhats[i]
            new.append(p - lr_t * self.ms[i] / (np.sqrt(denominator) + self.epsilon))
        self.iterations += 1
        return new

    def weights(self):
        return [self.iterations] + self.ms + self.vs + self.vhats


class AdamaxRef(Reference):
    def __init__(self, lr=0.002, beta_1=0.9, beta_2=0.999, epsilon=EPS, decay=0.0):
        super().__init__(lr, decay)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.ms, self.us = self.zeros(), self.zeros()

    def step(self, params, grads):
        t = self.iterations + 1
        lr_t = self.decayed_lr() / (1 - self.beta_1 ** t)
        new = []
        for i, (p, g) in enumerate(zip(params, grads)):
            self.ms[i] = self.beta_1 * self.ms[i] + (1 - self.beta_1) * g
            self.us[i] = np.maximum(self.beta_2 * self.us[i], np.abs(g))
            new.append(p - lr_t * self.ms[i] / (self.us[i] + self.epsilon))
        self.iterations += 1
        return new

    def weights(self):
        return [self.iterations] + self.ms + self.us


class NadamRef(Reference):
    def __init__(self, lr=0.002, beta_1=0.9, beta_2=0.999, epsilon=EPS, schedule_decay=0.004):
        super().__init__(lr)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.schedule_decay = schedule_decay
        self.m_schedule = 1.0
        self.ms, self.vs = self.zeros(), self.zeros()

    def step(self, params, grads):
        t = self.iterations + 1
        mu_t = self.beta_1 * (1 - 0.5 * 0.96 ** (t * self.schedule_decay))
        mu_next = self.beta_1 * (1 - 0.5 * 0.96 ** ((t + 1) * self.schedule_decay))
        schedule = self.m_schedule * mu_t
        schedule_next = self.m_schedule * mu_t * mu_next
        self.m_schedule = schedule
        new = []
        for i, (p, g) in enumerate(zip(params, grads)):
            self.ms[i] = self.beta_1 * self.ms[i] + (1 - self.beta_1) * g
            self.vs[i] = self.beta_2 * self.vs[i] + (1 - self.beta_2) * g ** 2
            g_hat = g / (1 - schedule)
            m_hat = self.ms[i] / (1 - schedule_next)
            v_hat = self.vs[i] / (1 - self.beta_2 ** t)
            m_bar = (1 - mu_t) * g_hat + mu_next * m_hat
            new.append(p - self.lr * m_bar / (np.sqrt(v_hat) + self.epsilon))
        self.iterations += 1
        return new

    def weights(self):
        return [self.iterations] + self.ms + self.vs


# ------------------------------------------------------------------ the cases
# id -> (optimizer class, constructor kwargs, reference class, reference kwargs, clipping)
CASES = {
    "sgd": (optimizers.SGD, {}, SGDRef, {}, {}),
    "sgd_momentum": (optimizers.SGD, {"lr": 0.05, "momentum": 0.9}, SGDRef,
                     {"lr": 0.05, "momentum": 0.9}, {}),
    "sgd_nesterov": (optimizers.SGD, {"lr": 0.05, "momentum": 0.8, "nesterov": True}, SGDRef,
                     {"lr": 0.05, "momentum": 0.8, "nesterov": True}, {}),
    "sgd_decay": (optimizers.SGD, {"lr": 0.1, "momentum": 0.5, "decay": 0.3}, SGDRef,
                  {"lr": 0.1, "momentum": 0.5, "decay": 0.3}, {}),
    "sgd_clipnorm": (optimizers.SGD, {"lr": 0.1, "clipnorm": 0.5}, SGDRef, {"lr": 0.1},
                     {"clipnorm": 0.5}),
    "sgd_clipvalue": (optimizers.SGD, {"lr": 0.1, "clipvalue": 0.3}, SGDRef, {"lr": 0.1},
                      {"clipvalue": 0.3}),
    "rmsprop": (optimizers.RMSprop, {}, RMSpropRef, {}, {}),
    "rmsprop_decay": (optimizers.RMSprop, {"lr": 0.01, "rho": 0.8, "decay": 0.5, "epsilon": 1e-4},
                      RMSpropRef, {"lr": 0.01, "rho": 0.8, "decay": 0.5, "epsilon": 1e-4}, {}),
    "adagrad": (optimizers.Adagrad, {}, AdagradRef, {}, {}),
    "adagrad_decay_clipnorm": (optimizers.Adagrad, {"lr": 0.1, "decay": 0.2, "clipnorm": 1.0},
                               AdagradRef, {"lr": 0.1, "decay": 0.2}, {"clipnorm": 1.0}),
    "adadelta": (optimizers.Adadelta, {}, AdadeltaRef, {}, {}),
    "adadelta_decay": (optimizers.Adadelta, {"lr": 0.5, "rho": 0.9, "epsilon": 1e-3, "decay": 0.1},
                       AdadeltaRef, {"lr": 0.5, "rho": 0.9, "epsilon": 1e-3, "decay": 0.1}, {}),
    "adam": (optimizers.Adam, {}, AdamRef, {}, {}),
    "adam_amsgrad": (optimizers.Adam, {"lr": 0.01, "beta_2": 0.9, "amsgrad": True}, AdamRef,
                     {"lr": 0.01, "beta_2": 0.9, "amsgrad": True}, {}),
    "adam_decay_clipvalue": (optimizers.Adam, {"lr": 0.01, "decay": 0.4, "clipvalue": 0.5},
                             AdamRef, {"lr": 0.01, "decay": 0.4}, {"clipvalue": 0.5}),
    "adamax": (optimizers.Adamax, {}, AdamaxRef, {}, {}),
    "adamax_decay": (optimizers.Adamax, {"lr": 0.01, "beta_1": 0.8, "decay": 0.25}, AdamaxRef,
                     {"lr": 0.01, "beta_1": 0.8, "decay": 0.25}, {}),
    "nadam": (optimizers.Nadam, {}, NadamRef, {}, {}),
    "nadam_schedule": (optimizers.Nadam, {"lr": 0.01, "schedule_decay": 0.1, "beta_1": 0.8},
                       NadamRef, {"lr": 0.01, "schedule_decay": 0.1, "beta_1": 0.8}, {}),
}


def build(optimizer, problem, steps_dtype="float32"):
    params = [K.variable(v, dtype=steps_dtype) for v in problem.start]
    loss = problem.loss(*params)
    updates = optimizer.get_updates(loss, params)
    return params, K.function([], [loss], updates=updates)


def assert_weights_match(optimizer, reference):
    got = optimizer.get_weights()
    want = reference.weights()
    assert len(got) == len(want)
    for g, w in zip(got, want):
        w = np.asarray(w)
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("case", sorted(CASES))
def test_three_steps_match_numpy(case):
    cls, kwargs, ref_cls, ref_kwargs, clipping = CASES[case]
    problem = Quadratic(seed=sum(map(ord, case)))
    optimizer = cls(**kwargs)
    reference = ref_cls(**ref_kwargs)
    params, step = build(optimizer, problem)
    values = [p.astype(np.float32).astype(np.float64) for p in problem.start]
    for _ in range(3):
        loss = step([])[0]
        np.testing.assert_allclose(loss, problem.numpy_loss(*values), rtol=1e-5)
        before = values
        values = reference.step(values, clipped(problem.gradients(*values), **clipping))
        for var, want, old in zip(params, values, before):
            got = K.get_value(var)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
            # the step itself, which is small next to the values
            np.testing.assert_allclose(got - old, want - old, rtol=2e-3, atol=2e-7)
        assert_weights_match(optimizer, reference)
    assert int(K.get_value(optimizer.iterations)) == 3


def test_clipnorm_below_the_norm_changes_nothing():
    problem = Quadratic(seed=5)
    optimizer = optimizers.SGD(lr=0.1, clipnorm=1e6)
    reference = SGDRef(lr=0.1)
    params, step = build(optimizer, problem)
    step([])
    want = reference.step(problem.start, problem.gradients(*problem.start))
    for var, w in zip(params, want):
        np.testing.assert_allclose(K.get_value(var), w, rtol=1e-5, atol=1e-6)


def test_learning_rate_set_between_steps_is_used():
    """Callbacks change `lr` with K.set_value after the training function is compiled."""
    problem = Quadratic(seed=11)
    optimizer = optimizers.SGD(lr=0.1)
    reference = SGDRef(lr=0.1)
    params, step = build(optimizer, problem)
    values = list(problem.start)
    for lr in (0.1, 0.02, 0.3):
        K.set_value(optimizer.lr, lr)
        reference.lr = lr
        step([])
        values = reference.step(values, problem.gradients(*values))
        for var, w in zip(params, values):
            np.testing.assert_allclose(K.get_value(var), w, rtol=1e-5, atol=1e-6)


def test_constraint_applies_to_the_new_value():
    var = K.variable(np.array([0.9, -0.2, 0.4]), constraint=lambda x: K.clip(x, -0.5, 0.5))
    optimizer = optimizers.SGD(lr=1.0)
    loss = K.sum(-K.constant([1.0, 0.5, -0.3]) * var)
    K.function([], [loss], updates=optimizer.get_updates(loss, [var]))([])
    np.testing.assert_allclose(K.get_value(var), [0.5, 0.3, 0.1], rtol=1e-6)


def test_keras1_get_updates_signature():
    """Keras 1 code calls get_updates(params, constraints, loss)."""
    problem = Quadratic(seed=8)
    for call in ("positional", "loss_keyword"):
        optimizer = optimizers.Adagrad(lr=0.1)
        params = [K.variable(v) for v in problem.start]
        loss = problem.loss(*params)
        if call == "positional":
            updates = optimizer.get_updates(params, {}, loss)
        else:
            updates = optimizer.get_updates(params, {}, loss=loss)
        K.function([], [loss], updates=updates)([])
        want = AdagradRef(lr=0.1).step(problem.start, problem.gradients(*problem.start))
        for var, w in zip(params, want):
            np.testing.assert_allclose(K.get_value(var), w, rtol=1e-5, atol=1e-6)


def test_no_gradient_raises():
    a = K.variable(np.ones((2, 3)))
    b = K.variable(np.ones(5))
    with pytest.raises(ValueError, match="An operation has `None` for gradient"):
        optimizers.SGD().get_updates(K.sum(a), [a, b])


# ------------------------------------------------------------------ construction
def test_defaults_follow_keras():
    expected = {
        optimizers.SGD: {"lr": 0.01, "momentum": 0.0, "decay": 0.0, "nesterov": False},
        optimizers.RMSprop: {"lr": 0.001, "rho": 0.9, "decay": 0.0, "epsilon": EPS},
        optimizers.Adagrad: {"lr": 0.01, "decay": 0.0, "epsilon": EPS},
        optimizers.Adadelta: {"lr": 1.0, "rho": 0.95, "decay": 0.0, "epsilon": EPS},
        optimizers.Adam: {"lr": 0.001, "beta_1": 0.9, "beta_2": 0.999, "decay": 0.0,
                          "epsilon": EPS, "amsgrad": False},
        optimizers.Adamax: {"lr": 0.002, "beta_1": 0.9, "beta_2": 0.999, "decay": 0.0,
                            "epsilon": EPS},
        optimizers.Nadam: {"lr": 0.002, "beta_1": 0.9, "beta_2": 0.999, "epsilon": EPS,
                           "schedule_decay": 0.004},
    }
    for cls, want in expected.items():
        config = cls().get_config()
        assert sorted(config) == sorted(want), cls.__name__
        for key, value in want.items():
            assert config[key] == pytest.approx(value, rel=1e-6), (cls.__name__, key)


def test_hyperparameters_are_backend_variables():
    optimizer = optimizers.Adam()
    for name in ("lr", "decay", "iterations", "beta_1", "beta_2"):
        assert isinstance(getattr(optimizer, name), K.Variable), name
    assert K.dtype(optimizer.iterations) == "int64"
    assert int(K.get_value(optimizer.iterations)) == 0


def test_epsilon_none_takes_backend_epsilon():
    old = K.epsilon()
    try:
        K.set_epsilon(1e-4)
        assert optimizers.Adam(epsilon=None).epsilon == 1e-4
        assert optimizers.RMSprop().epsilon == 1e-4
    finally:
        K.set_epsilon(old)
    assert optimizers.Adam(epsilon=1e-3).epsilon == 1e-3


def test_learning_rate_is_an_alias_of_lr():
    optimizer = optimizers.SGD(learning_rate=0.25, momentum=0.5)
    assert float(K.get_value(optimizer.lr)) == 0.25
    assert optimizers.Adam(learning_rate=0.125).get_config()["lr"] == 0.125
    with pytest.raises(TypeError):
        optimizers.Adam(lr=0.1, learning_rate=0.2)


def test_unexpected_keyword_raises():
    with pytest.raises(TypeError, match="Unexpected keyword argument passed to optimizer: foo"):
        optimizers.Adam(foo=1)


def test_tfoptimizer_raises_on_construction():
    with pytest.raises(NotImplementedError, match="TensorFlow"):
        optimizers.TFOptimizer(object())


# ------------------------------------------------------------------ weights
WEIGHT_LAYOUTS = {
    # Keras 2.1.6 optimizer.weights for params of shapes SHAPES
    "sgd": [()] + SHAPES,
    "rmsprop": SHAPES,
    "adagrad": SHAPES,
    "adadelta": SHAPES + SHAPES,
    "adam": [()] + SHAPES + SHAPES + [(1,), (1,)],
    "adam_amsgrad": [()] + SHAPES * 3,
    "adamax": [()] + SHAPES + SHAPES,
    "nadam": [()] + SHAPES + SHAPES,
}


@pytest.mark.parametrize("case", sorted(WEIGHT_LAYOUTS))
def test_weight_order_follows_keras(case):
    cls, kwargs = CASES[case][:2]
    optimizer = cls(**kwargs)
    params = [K.variable(np.zeros(s)) for s in SHAPES]
    optimizer.get_updates(K.sum(K.square(params[0])) + K.sum(K.square(params[1])), params)
    assert [tuple(K.int_shape(w)) for w in optimizer.weights] == WEIGHT_LAYOUTS[case]
    if WEIGHT_LAYOUTS[case][0] == ():
        assert optimizer.weights[0] is optimizer.iterations


def test_set_weights_then_get_weights_round_trip_and_resume():
    problem = Quadratic(seed=3)
    first = optimizers.Adam(lr=0.01)
    params, step = build(first, problem)
    step([])
    step([])
    saved = first.get_weights()
    saved_params = [K.get_value(p) for p in params]
    step([])
    after_three = [K.get_value(p) for p in params]

    # a fresh optimizer given the saved state takes the same third step
    second = optimizers.Adam(lr=0.01)
    params2 = [K.variable(v) for v in saved_params]
    loss = problem.loss(*params2)
    step2 = K.function([], [loss], updates=second.get_updates(loss, params2))
    second.set_weights(saved)
    for got, want in zip(second.get_weights(), saved):
        np.testing.assert_array_equal(got, want)
    step2([])
    for var, want in zip(params2, after_three):
        np.testing.assert_allclose(K.get_value(var), want, rtol=1e-6, atol=1e-7)


def test_set_weights_errors():
    optimizer = optimizers.SGD(momentum=0.9)
    params = [K.variable(np.zeros(s)) for s in SHAPES]
    optimizer.get_updates(K.sum(params[0]) + K.sum(params[1]), params)
    with pytest.raises(ValueError, match=r"Length of the specified weight list \(2\) does not match "
                                         r"the number of weights of the optimizer \(3\)"):
        optimizer.set_weights([np.array(0), np.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"Optimizer weight shape \(5,\) not compatible with "
                                         r"provided weight shape \(4,\)"):
        optimizer.set_weights([np.array(0), np.zeros((2, 3)), np.zeros(4)])


def test_set_weights_accepts_leading_iterations_from_newer_files():
    """Keras >= 2.3 saves RMSprop/Adagrad/Adadelta weights with `iterations` first."""
    optimizer = optimizers.RMSprop()
    params = [K.variable(np.zeros(s)) for s in SHAPES]
    optimizer.get_updates(K.sum(K.square(params[0])) + K.sum(K.square(params[1])), params)
    accumulators = [np.full(s, 0.5) for s in SHAPES]
    optimizer.set_weights([np.array(7, dtype="int64")] + accumulators)
    assert int(K.get_value(optimizer.iterations)) == 7
    for got, want in zip(optimizer.get_weights(), accumulators):
        np.testing.assert_array_equal(got, want)


# ------------------------------------------------------------------ configs
CONFIG_CASES = [
    (optimizers.SGD, {"lr": 0.5, "momentum": 0.25, "decay": 0.125, "nesterov": True, "clipnorm": 2.0}),
    (optimizers.RMSprop, {"lr": 0.25, "rho": 0.5, "epsilon": 1e-3, "decay": 0.5, "clipvalue": 1.5}),
    (optimizers.Adagrad, {"lr": 0.25, "epsilon": 1e-4, "decay": 0.25}),
    (optimizers.Adadelta, {"lr": 0.5, "rho": 0.75, "epsilon": 1e-5, "decay": 0.5}),
    (optimizers.Adam, {"lr": 0.125, "beta_1": 0.5, "beta_2": 0.75, "epsilon": 1e-3, "decay": 0.25,
                       "amsgrad": True}),
    (optimizers.Adamax, {"lr": 0.125, "beta_1": 0.5, "beta_2": 0.75, "epsilon": 1e-3, "decay": 0.25}),
    (optimizers.Nadam, {"lr": 0.125, "beta_1": 0.5, "beta_2": 0.75, "epsilon": 1e-3,
                        "schedule_decay": 0.25}),
]


@pytest.mark.parametrize("cls, kwargs", CONFIG_CASES, ids=[c.__name__ for c, _ in CONFIG_CASES])
def test_config_round_trip(cls, kwargs):
    optimizer = cls(**kwargs)
    config = optimizer.get_config()
    assert config == kwargs            # the values are exact in float32
    again = cls.from_config(config)
    assert type(again) is cls
    assert again.get_config() == config
    restored = optimizers.deserialize(optimizers.serialize(optimizer))
    assert type(restored) is cls
    assert restored.get_config() == config
    assert optimizers.serialize(optimizer) == {"class_name": cls.__name__, "config": config}


def test_from_config_ignores_bookkeeping_of_newer_keras():
    config = {"name": "Adam", "learning_rate": 0.0625, "decay": 0.0, "beta_1": 0.9,
              "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False, "clipnorm": None,
              "weight_decay": None, "use_ema": False, "jit_compile": False,
              "is_legacy_optimizer": False}
    optimizer = optimizers.deserialize({"class_name": "Custom>Adam", "config": config})
    assert type(optimizer) is optimizers.Adam
    assert optimizer.get_config()["lr"] == 0.0625
    assert not hasattr(optimizer, "clipnorm")
    rms = optimizers.RMSprop.from_config({"name": "RMSprop", "learning_rate": 0.5, "rho": 0.9,
                                          "momentum": 0.0, "centered": False, "epsilon": 1e-07})
    assert rms.get_config()["lr"] == 0.5


def test_from_config_rejects_what_would_change_training():
    with pytest.raises(TypeError, match="Unexpected keyword argument passed to optimizer: centered"):
        optimizers.RMSprop.from_config({"lr": 0.1, "centered": True})
    with pytest.raises(ValueError, match="schedule"):
        optimizers.Adam.from_config({"learning_rate": {"class_name": "ExponentialDecay",
                                                       "config": {}}})


@pytest.mark.parametrize("name, cls", [
    ("sgd", optimizers.SGD), ("SGD", optimizers.SGD), ("rmsprop", optimizers.RMSprop),
    ("RMSprop", optimizers.RMSprop), ("adagrad", optimizers.Adagrad),
    ("Adadelta", optimizers.Adadelta), ("adam", optimizers.Adam), ("ADAM", optimizers.Adam),
    ("adamax", optimizers.Adamax), ("Nadam", optimizers.Nadam), ("nadam", optimizers.Nadam),
])
def test_get_by_name_is_case_insensitive(name, cls):
    assert type(optimizers.get(name)) is cls


def test_get_passes_instances_and_reads_configs():
    optimizer = optimizers.SGD()
    assert optimizers.get(optimizer) is optimizer
    from_dict = optimizers.get({"class_name": "adam", "config": {"lr": 0.5}})
    assert type(from_dict) is optimizers.Adam
    assert from_dict.get_config()["lr"] == 0.5


def test_deserialize_prefers_custom_objects():
    class MyAdam(optimizers.Adam):
        pass

    restored = optimizers.deserialize({"class_name": "MyAdam", "config": {}},
                                      custom_objects={"MyAdam": MyAdam})
    assert type(restored) is MyAdam


def test_get_unknown_raises():
    with pytest.raises(ValueError, match="Unknown optimizer"):
        optimizers.get("unknown")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get(42)


def test_module_aliases():
    assert optimizers.sgd is optimizers.SGD
    assert optimizers.adam is optimizers.Adam
    assert optimizers.nadam is optimizers.Nadam
