"""Keras 1 keyword names: the generator methods (samples -> steps as Keras 2.1.6
converts them, with its warnings), SpatialDropout's `p`, and keras.legacy.interfaces."""
import warnings

import numpy as np
import pytest

import keralite as keras
from keralite.layers import Dense, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D
from keralite.legacy import interfaces
from keralite.models import Sequential
from keralite.utils import Sequence

X = np.random.RandomState(0).rand(12, 3).astype("float32")
Y = X.sum(axis=1, keepdims=True)


class Batches(Sequence):
    """4-sample batches that count how often they were asked for."""
    batch_size = 4

    def __init__(self):
        self.calls = 0

    def __len__(self):
        return 3

    def __getitem__(self, index):
        self.calls += 1
        part = slice(4 * index, 4 * index + 4)
        return X[part], Y[part]


def _counting_generator(counter):
    while True:
        for start in range(0, 12, 4):
            counter.append(start)
            yield X[start:start + 4], Y[start:start + 4]


def _model():
    model = Sequential([Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse")
    return model


def _messages(caught):
    return [str(w.message) for w in caught]


def test_fit_generator_samples_per_epoch_divides_by_batch_size():
    sequence = Batches()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = _model().fit_generator(sequence, samples_per_epoch=8, nb_epoch=2, verbose=0, workers=0)
    messages = _messages(caught)
    assert any(m.startswith("The semantics of the Keras 2 argument `steps_per_epoch`") for m in messages)
    assert any(m.startswith("Update your `fit_generator` call to the Keras 2 API: ") and "steps_per_epoch=2" in m
               and "epochs=2" in m for m in messages)
    assert len(history.history["loss"]) == 2
    assert sequence.calls == 4                                     # 8 samples / batch_size 4, two epochs


def test_fit_generator_plain_generator_takes_samples_as_steps():
    counter = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _model().fit_generator(_counting_generator(counter), samples_per_epoch=3, nb_epoch=1, verbose=0,
                               validation_data=_counting_generator([]), nb_val_samples=2, max_q_size=1,
                               nb_worker=1, pickle_safe=False)
    # no batch_size on a plain generator: Keras 2.1.6 uses the number as steps (3 batches)
    assert len(counter) >= 3


def test_evaluate_and_predict_generator_val_samples_are_steps():
    model = _model()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        predictions = model.predict_generator(Batches(), val_samples=2)
        loss = model.evaluate_generator(Batches(), val_samples=3)
    assert predictions.shape == (8, 1)                             # renamed to steps, not divided
    np.testing.assert_allclose(loss, model.evaluate(X, Y, batch_size=4, verbose=0), rtol=1e-5)
    messages = _messages(caught)
    assert any(m.startswith("Update your `predict_generator` call") for m in messages)
    assert any(m.startswith("Update your `evaluate_generator` call") for m in messages)


def test_generator_methods_reject_duplicates_and_extra_positionals():
    model = _model()
    with pytest.raises(TypeError, match="Stick to the latter"):
        model.fit_generator(Batches(), nb_epoch=1, epochs=1)
    with pytest.raises(TypeError, match="can accept only 3 positional arguments"):
        model.fit_generator(Batches(), 1, 1, 0)


def test_spatial_dropout_p():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        one = SpatialDropout1D(p=0.25)
        two = SpatialDropout2D(p=0.5, dim_ordering="th")
        three = SpatialDropout3D(p=0.1, dim_ordering="tf")
    assert (one.rate, two.rate, two.data_format, three.rate, three.data_format) == \
        (0.25, 0.5, "channels_first", 0.1, "channels_last")
    assert _messages(caught)[0] == "Update your `SpatialDropout1D` call to the Keras 2 API: `SpatialDropout1D(rate=0.25)`"
    assert _messages(caught)[1].startswith("Update your `SpatialDropout2D` call")


def test_interfaces_decorate_third_party_layers():
    class OldStyle(keras.layers.Layer):
        @interfaces.legacy_dense_support
        def __init__(self, units, kernel_initializer="zeros", **kwargs):
            super().__init__(**kwargs)
            self.units, self.kernel_initializer = units, kernel_initializer

    class Custom(keras.layers.Layer):
        @interfaces.generate_legacy_interface(allowed_positional_args=["size"], conversions=[("length", "size")],
                                              value_conversions={"mode": {"th": "first"}})
        def __init__(self, size=1, mode=None, **kwargs):
            super().__init__(**kwargs)
            self.size, self.mode = size, mode

    with pytest.warns(UserWarning, match="Update your `OldStyle` call"):
        layer = OldStyle(output_dim=3, init="ones")
    assert (layer.units, layer.kernel_initializer) == (3, "ones")
    with pytest.warns(UserWarning, match="Update your `Custom` call"):
        layer = Custom(length=4, mode="th")
    assert (layer.size, layer.mode) == (4, "first")
    for name in ("legacy_conv2d_support", "legacy_pooling2d_support", "legacy_recurrent_support",
                 "legacy_generator_methods_support", "legacy_spatialdropoutNd_support", "legacy_cropping3d_support"):
        assert callable(getattr(interfaces, name))
