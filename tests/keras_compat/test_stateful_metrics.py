"""Stateful metrics (Keras 2.1.6): a Layer with `stateful = True` used as a metric
keeps a running value across batches, reset at each epoch and each evaluation."""
import numpy as np

from keralite import backend as K
from keralite import metrics
from keralite.engine.base_layer import Layer
from keralite.layers import Dense, Input
from keralite.models import Model


class BinaryTruePositives(Layer):
    """Counts true positives over all batches seen since the last reset."""

    def __init__(self, name="true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.stateful = True
        self.true_positives = K.variable(value=0, dtype="int32")

    def reset_states(self):
        K.set_value(self.true_positives, 0)

    def __call__(self, y_true, y_pred):
        y_true = K.cast(y_true, "int32")
        y_pred = K.cast(K.round(y_pred), "int32")
        correct_preds = K.cast(K.equal(y_pred, y_true), "int32")
        true_pos = K.cast(K.sum(correct_preds * y_true), "int32")
        current_true_pos = self.true_positives * 1
        self.add_update(K.update_add(self.true_positives, true_pos), inputs=[y_true, y_pred])
        return current_true_pos + true_pos



def _true_positives(y, x, model):
    return int(np.sum(np.logical_and(model.predict(x) > 0.5, y == 1)))


def test_stateful_metric_counts_over_batches_and_resets():
    np.random.seed(1334)
    metric_fn = BinaryTruePositives()
    config = metrics.serialize(metric_fn)
    metric_fn = metrics.deserialize(config, custom_objects={"BinaryTruePositives": BinaryTruePositives})
    inputs = Input(shape=(2,))
    outputs = Dense(1, activation="sigmoid")(inputs)
    model = Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["acc", metric_fn])
    assert model.metrics_names == ["loss", "acc", "true_positives"]
    assert model.stateful_metric_names == ["true_positives"]

    samples = 100
    x = np.random.random((samples, 2))
    y = np.random.randint(2, size=(samples, 1))
    history = model.fit(x, y, epochs=2, batch_size=10, verbose=0)
    # the epoch's value is the count over that epoch only (reset at the epoch's start),
    # at most the number of positives, not an average of per-batch counts
    positives = int(y.sum())
    for count in history.history["true_positives"]:
        assert count == int(count) and 0 <= count <= positives
    outs = model.evaluate(x, y, batch_size=10, verbose=0)
    np.testing.assert_allclose(outs[2], _true_positives(y, x, model), atol=1e-5)
    # a second evaluation starts from zero again
    outs = model.evaluate(x, y, batch_size=7, verbose=0)
    np.testing.assert_allclose(outs[2], _true_positives(y, x, model), atol=1e-5)


def test_stateful_metric_in_first_epoch_counts_training_batches():
    np.random.seed(7)
    metric_fn = BinaryTruePositives()
    inputs = Input(shape=(2,))
    model = Model(inputs, Dense(1, activation="sigmoid")(inputs))
    # a zero learning rate keeps the predictions fixed, so the count is known
    from keralite.optimizers import SGD
    model.compile(optimizer=SGD(lr=0.0), loss="binary_crossentropy", metrics=[metric_fn])
    x = np.random.random((40, 2))
    y = np.random.randint(2, size=(40, 1))
    expected = _true_positives(y, x, model)
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False)
    assert history.history["true_positives"] == [expected, expected]
