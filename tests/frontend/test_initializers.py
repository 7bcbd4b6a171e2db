"""keralite.initializers: constant values, statistics of the random initializers
(moments, bounds, VarianceScaling's standard deviation per mode and distribution),
fans, orthogonality, identity, seeds, config round trips and lookups (Keras 2.1.6
behaviour)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keralite import backend as K
from keralite import initializers

SETTINGS = settings(max_examples=6, deadline=None)
TRUNCATED_STD = 0.87962566103423978   # std of a standard normal truncated to [-2, 2]
BIG = (240, 300)                      # 72,000 draws: moments to within about 1%


def value(initializer, shape, dtype=None):
    return K.eval(initializer(shape, dtype=dtype))


def assert_std(draws, expected, rel=0.03):
    assert abs(draws.std() - expected) < rel * expected, (draws.std(), expected)


def assert_mean(draws, expected, spread):
    # five standard errors of the mean
    assert abs(draws.mean() - expected) < 5 * spread / np.sqrt(draws.size), (draws.mean(), expected)


# ---------------------------------------------------------------- constants
def test_zeros_ones_constant():
    np.testing.assert_array_equal(value(initializers.Zeros(), (3, 5)), np.zeros((3, 5)))
    np.testing.assert_array_equal(value(initializers.Ones(), (2, 4, 3)), np.ones((2, 4, 3)))
    np.testing.assert_array_equal(value(initializers.Constant(0.25), (3, 5)), np.full((3, 5), 0.25))
    out = value(initializers.Constant(2), (4, 3), dtype="float64")
    assert out.dtype == np.float64 and np.all(out == 2)
    assert value(initializers.Zeros(), (3, 5)).dtype == np.dtype(K.floatx())


# ---------------------------------------------------------------- random moments
def test_random_normal_moments():
    draws = value(initializers.RandomNormal(mean=0.5, stddev=2.0, seed=1), BIG)
    assert draws.shape == BIG and draws.dtype == np.float32
    assert_mean(draws, 0.5, 2.0)
    assert_std(draws, 2.0)


def test_random_uniform_bounds_and_moments():
    draws = value(initializers.RandomUniform(minval=-0.3, maxval=0.7, seed=2), BIG)
    assert draws.min() >= -0.3 and draws.max() <= 0.7
    assert draws.min() < -0.29 and draws.max() > 0.69
    assert_mean(draws, 0.2, 1 / np.sqrt(12))
    assert_std(draws, 1 / np.sqrt(12))


def test_truncated_normal_stays_within_two_stddev():
    draws = value(initializers.TruncatedNormal(mean=1.0, stddev=0.5, seed=3), BIG)
    assert draws.min() >= 0.0 and draws.max() <= 2.0
    assert_mean(draws, 1.0, 0.5)
    assert_std(draws, 0.5 * TRUNCATED_STD)


def test_defaults_follow_keras():
    assert initializers.RandomNormal().get_config() == {"mean": 0., "stddev": 0.05, "seed": None}
    assert initializers.RandomUniform().get_config() == {"minval": -0.05, "maxval": 0.05, "seed": None}
    assert initializers.TruncatedNormal().get_config() == {"mean": 0., "stddev": 0.05, "seed": None}
    assert initializers.Constant().get_config() == {"value": 0}
    assert initializers.VarianceScaling().get_config() == {
        "scale": 1.0, "mode": "fan_in", "distribution": "normal", "seed": None}
    assert initializers.Orthogonal().get_config() == {"gain": 1., "seed": None}
    assert initializers.Identity().get_config() == {"gain": 1.}


# ---------------------------------------------------------------- fans and VarianceScaling
@pytest.mark.parametrize("shape, data_format, fans", [
    ((3, 5), "channels_last", (3, 5)),
    ((3, 4, 6), "channels_last", (3 * 4, 3 * 6)),                 # conv1d kernel
    ((3, 2, 4, 6), "channels_last", (6 * 4, 6 * 6)),              # conv2d kernel
    ((2, 3, 2, 4, 6), "channels_last", (12 * 4, 12 * 6)),         # conv3d kernel
    ((6, 4, 3, 2), "channels_first", (4 * 6, 6 * 6)),
    ((7,), "channels_last", (np.sqrt(7), np.sqrt(7))),
    ((2, 3, 1, 2, 3, 5), "channels_last", (np.sqrt(180), np.sqrt(180))),
])
def test_compute_fans(shape, data_format, fans):
    np.testing.assert_allclose(initializers._compute_fans(shape, data_format), fans)


def test_compute_fans_default_is_channels_last_and_bad_format_raises():
    assert initializers._compute_fans((3, 2, 4, 6)) == (24, 36)
    with pytest.raises(ValueError, match="Invalid data_format"):
        initializers._compute_fans((3, 2, 4, 6), "channels_middle")


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("distribution", ["normal", "uniform"])
@pytest.mark.parametrize("shape", [BIG, (3, 5, 40, 120)])
def test_variance_scaling_std(mode, distribution, shape):
    scale = 1.7
    fan_in, fan_out = initializers._compute_fans(shape)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    expected_std = np.sqrt(scale / n)
    draws = value(initializers.VarianceScaling(scale, mode, distribution, seed=4), shape)
    assert draws.shape == shape
    assert_std(draws, expected_std)
    assert_mean(draws, 0.0, expected_std)
    if distribution == "uniform":
        limit = np.sqrt(3 * scale / n)
        assert np.abs(draws).max() <= limit * (1 + 1e-6)
    else:
        # Keras 2.1.6: a truncated normal whose stddev parameter is sqrt(scale/n) / 0.8796
        assert np.abs(draws).max() <= 2 * expected_std / TRUNCATED_STD * (1 + 1e-6)


def test_variance_scaling_validates_its_arguments():
    with pytest.raises(ValueError, match="`scale` must be a positive float"):
        initializers.VarianceScaling(scale=0.)
    with pytest.raises(ValueError, match="Invalid `mode` argument"):
        initializers.VarianceScaling(mode="fan_sideways")
    with pytest.raises(ValueError, match="Invalid `distribution` argument"):
        initializers.VarianceScaling(distribution="cauchy")
    assert initializers.VarianceScaling(mode="FAN_OUT", distribution="Uniform").get_config()["mode"] == "fan_out"


@pytest.mark.parametrize("name, scale, mode, distribution", [
    ("lecun_uniform", 1., "fan_in", "uniform"),
    ("glorot_normal", 1., "fan_avg", "normal"),
    ("glorot_uniform", 1., "fan_avg", "uniform"),
    ("he_normal", 2., "fan_in", "normal"),
    ("lecun_normal", 1., "fan_in", "normal"),
    ("he_uniform", 2., "fan_in", "uniform"),
])
def test_named_schemes_are_variance_scaling(name, scale, mode, distribution):
    init = getattr(initializers, name)(seed=11)
    assert isinstance(init, initializers.VarianceScaling)
    assert init.get_config() == {"scale": scale, "mode": mode, "distribution": distribution, "seed": 11}
    assert initializers.get(name).get_config()["seed"] is None


def test_glorot_uniform_limit():
    shape = (40, 90)
    draws = value(initializers.glorot_uniform(seed=5), shape)
    limit = np.sqrt(6 / (40 + 90))
    assert np.abs(draws).max() <= limit * (1 + 1e-6) and np.abs(draws).max() > 0.97 * limit


# ---------------------------------------------------------------- orthogonal, identity
@pytest.mark.parametrize("shape", [(9, 4), (4, 9), (3, 2, 5, 7)])
def test_orthogonal(shape):
    gain = 1.5
    q = value(initializers.Orthogonal(gain=gain, seed=6), shape).astype(np.float64)
    assert q.shape == shape
    flat = q.reshape(-1, shape[-1]) / gain
    if flat.shape[0] >= flat.shape[1]:
        np.testing.assert_allclose(flat.T @ flat, np.eye(flat.shape[1]), atol=1e-5)
    else:
        np.testing.assert_allclose(flat @ flat.T, np.eye(flat.shape[0]), atol=1e-5)


def test_identity():
    np.testing.assert_array_equal(value(initializers.Identity(gain=3.), (4, 6)), 3 * np.eye(4, 6))
    np.testing.assert_array_equal(value(initializers.Identity(), (6, 4)), np.eye(6, 4))
    with pytest.raises(ValueError, match="Identity matrix initializer can only be used for 2D"):
        initializers.Identity()((2, 3, 4))


# ---------------------------------------------------------------- seeds
@pytest.mark.parametrize("init_class", [initializers.RandomNormal, initializers.RandomUniform,
                                        initializers.TruncatedNormal, initializers.Orthogonal])
def test_seed_reproducibility(init_class):
    shape = (6, 11)
    first = value(init_class(seed=21), shape)
    assert np.array_equal(first, value(init_class(seed=21), shape))
    assert not np.array_equal(first, value(init_class(seed=22), shape))


def test_unseeded_draws_follow_numpys_global_seed():
    np.random.seed(123)
    first = value(initializers.glorot_normal(), (6, 11))
    second = value(initializers.glorot_normal(), (6, 11))
    np.random.seed(123)
    again = value(initializers.glorot_normal(), (6, 11))
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, again)


def test_draws_match_the_backend_stream():
    """An initializer's draws are those of K.random_normal(shape, seed=s) on its first
    evaluation, whatever the shape."""
    shape = (3, 7)
    expected = K.eval(K.random_normal(shape, 0., 1., seed=9))
    np.testing.assert_allclose(value(initializers.RandomNormal(0., 1., seed=9), shape), expected)


@SETTINGS
@given(shape=st.lists(st.integers(1, 9), min_size=1, max_size=4).map(tuple), seed=st.integers(0, 10 ** 6))
def test_any_shape_draws_without_building_a_function(shape, seed):
    inits = (initializers.he_uniform(seed), initializers.lecun_normal(seed),
             initializers.RandomNormal(seed=seed))
    for init in inits:      # the first draw of each distribution may compile
        init((2, 3))
    built = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(K, "function", lambda *args, **kwargs: built.append(args))
        for init in inits:
            assert K.int_shape(init(shape)) == shape
    assert not built


def test_float64_draws():
    draws = value(initializers.RandomUniform(0., 1., seed=8), (5, 3), dtype="float64")
    assert draws.dtype == np.float64 and 0 <= draws.min() and draws.max() < 1


# ---------------------------------------------------------------- config and lookup
ALL = [initializers.Zeros(), initializers.Ones(), initializers.Constant(0.3),
       initializers.RandomNormal(0.1, 0.2, seed=1), initializers.RandomUniform(-1, 2, seed=2),
       initializers.TruncatedNormal(0.3, 0.1, seed=3),
       initializers.VarianceScaling(2., "fan_avg", "uniform", seed=4),
       initializers.Orthogonal(1.3, seed=5), initializers.Identity(0.5)]


@pytest.mark.parametrize("init", ALL, ids=[type(i).__name__ for i in ALL])
def test_serialize_round_trip(init):
    config = initializers.serialize(init)
    assert config == {"class_name": type(init).__name__, "config": init.get_config()}
    again = initializers.deserialize(config)
    assert type(again) is type(init) and again.get_config() == init.get_config()
    assert initializers.get(config).get_config() == init.get_config()


@pytest.mark.parametrize("name, cls", [
    ("zero", initializers.Zeros), ("zeros", initializers.Zeros), ("one", initializers.Ones),
    ("ones", initializers.Ones), ("constant", initializers.Constant),
    ("uniform", initializers.RandomUniform), ("random_uniform", initializers.RandomUniform),
    ("normal", initializers.RandomNormal), ("random_normal", initializers.RandomNormal),
    ("truncated_normal", initializers.TruncatedNormal), ("identity", initializers.Identity),
    ("orthogonal", initializers.Orthogonal), ("Zeros", initializers.Zeros),
    ("VarianceScaling", initializers.VarianceScaling), ("glorot_uniform", initializers.VarianceScaling),
])
def test_get_by_name(name, cls):
    assert isinstance(initializers.get(name), cls)


def test_later_class_names_map_to_the_named_schemes():
    init = initializers.get({"class_name": "GlorotUniform", "config": {"seed": 3}})
    assert init.get_config() == initializers.glorot_uniform(3).get_config()
    assert initializers.get("HeNormal").get_config() == initializers.he_normal().get_config()
    # tf.keras writes a dtype in some configs and 'truncated_normal' as distribution
    init = initializers.deserialize({"class_name": "VarianceScaling", "config": {
        "scale": 2.0, "mode": "fan_in", "distribution": "truncated_normal", "seed": None,
        "dtype": "float32"}})
    draws = K.eval(init((60, 50)))
    assert_std(draws, np.sqrt(2.0 / 60), rel=0.08)


def test_get_passes_callables_and_rejects_the_rest():
    def my_init(shape, dtype=None):
        return K.constant(np.zeros(shape), dtype=dtype)
    assert initializers.get(my_init) is my_init
    with pytest.raises(ValueError, match="Could not interpret initializer identifier"):
        initializers.get(3.5)
    with pytest.raises(ValueError, match="Unknown initializer"):
        initializers.get("no_such_initializer")


def test_base_initializer_is_abstract():
    with pytest.raises(NotImplementedError):
        initializers.Initializer()((3, 5))
    assert initializers.Initializer().get_config() == {}
