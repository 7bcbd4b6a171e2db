"""KerasClassifier / KerasRegressor: Keras 2.1.6's parameter routing and checks, and
life inside scikit-learn (clone, cross_val_score, GridSearchCV, Pipeline)."""
import numpy as np
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from keralite.layers import Dense
from keralite.optimizers import Adam
from keralite.models import Sequential
from keralite.wrappers.scikit_learn import KerasClassifier, KerasRegressor


@pytest.fixture(scope="module")
def iris():
    data = load_iris()
    x = ((data.data - data.data.mean(0)) / data.data.std(0)).astype("float32")
    order = np.random.RandomState(0).permutation(len(x))
    return x[order], data.target[order]


def build_classifier(hidden_dims=8, loss="categorical_crossentropy", classes=3):
    model = Sequential()
    model.add(Dense(hidden_dims, input_shape=(4,), activation="relu"))
    model.add(Dense(classes, activation="softmax"))
    model.compile(optimizer=Adam(lr=0.03), loss=loss, metrics=["accuracy"])
    return model


def build_regressor(hidden_dims=8):
    model = Sequential()
    model.add(Dense(hidden_dims, input_shape=(4,), activation="relu"))
    model.add(Dense(1))
    model.compile(optimizer=Adam(lr=0.03), loss="mse")
    return model


class ClassifierBuilder(object):
    """build_fn as an instance of a class with __call__."""

    def __call__(self, hidden_dims=8):
        return build_classifier(hidden_dims)


class SubclassedClassifier(KerasClassifier):
    """build_fn=None: the wrapper's own __call__ builds the model."""

    def __call__(self, hidden_dims=8):
        return build_classifier(hidden_dims)


FIT = dict(epochs=30, batch_size=16, verbose=0)


@pytest.mark.parametrize("make", [
    lambda: KerasClassifier(build_classifier, hidden_dims=8, **FIT),
    lambda: KerasClassifier(ClassifierBuilder(), hidden_dims=8, **FIT),
    lambda: SubclassedClassifier(hidden_dims=8, **FIT),
], ids=["function", "callable-instance", "subclass-call"])
def test_classifier_build_fn_forms(iris, make):
    x, y = iris
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    estimator = make()
    history = estimator.fit(x, labels)
    assert len(history.history["loss"]) == 30
    assert list(estimator.classes_) == ["setosa", "versicolor", "virginica"] and estimator.n_classes_ == 3
    predictions = estimator.predict(x)
    assert predictions.shape == (150,) and set(predictions) <= set(labels)
    proba = estimator.predict_proba(x)
    assert proba.shape == (150, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(predictions, estimator.classes_[proba.argmax(axis=1)])
    score = estimator.score(x, labels)
    assert score == pytest.approx(np.mean(predictions == labels), abs=1e-6)
    assert score > 0.8


def test_sk_params_are_routed_by_name(iris):
    x, y = iris
    seen = {}

    def build(hidden_dims=3):
        seen["hidden_dims"] = hidden_dims
        return build_classifier(hidden_dims)

    estimator = KerasClassifier(build, hidden_dims=5, epochs=2, batch_size=150, verbose=0)
    history = estimator.fit(x, y)
    assert seen == {"hidden_dims": 5}
    assert estimator.model.layers[0].units == 5
    assert history.params["epochs"] == 2 and history.params["batch_size"] == 150
    # keyword arguments of fit override sk_params
    assert len(estimator.fit(x, y, epochs=3).history["loss"]) == 3
    assert estimator.filter_sk_params(build) == {"hidden_dims": 5}
    assert estimator.filter_sk_params(Sequential.fit, {"epochs": 9}) == {"epochs": 9, "batch_size": 150,
                                                                          "verbose": 0}


def test_check_params_and_get_set_params():
    with pytest.raises(ValueError, match="^units is not a legal parameter$"):
        KerasClassifier(build_classifier, units=4)
    with pytest.raises(ValueError, match="not a legal parameter"):
        SubclassedClassifier(loss="mse")   # the subclass' __call__ takes no `loss`
    KerasClassifier(build_classifier, nb_epoch=3)    # the Keras 1 name is let through
    estimator = KerasClassifier(build_classifier, hidden_dims=4, epochs=2)
    params = estimator.get_params(deep=True)
    assert params == {"build_fn": build_classifier, "hidden_dims": 4, "epochs": 2}
    assert estimator.set_params(hidden_dims=6, verbose=0) is estimator
    assert estimator.sk_params == {"hidden_dims": 6, "epochs": 2, "verbose": 0}
    with pytest.raises(ValueError, match="bogus is not a legal parameter"):
        estimator.set_params(bogus=1)
    twin = clone(estimator)
    assert type(twin) is KerasClassifier and twin.get_params() == estimator.get_params()
    assert is_classifier(estimator) and is_regressor(KerasRegressor(build_regressor))


def test_one_hot_targets_and_sparse_loss(iris):
    x, y = iris
    one_hot = np.eye(3)[y]
    estimator = KerasClassifier(build_classifier, epochs=20, batch_size=16, verbose=0)
    estimator.fit(x, one_hot)
    assert list(estimator.classes_) == [0, 1, 2]
    sparse = KerasClassifier(build_classifier, loss="sparse_categorical_crossentropy", epochs=20,
                             batch_size=16, verbose=0)
    sparse.fit(x, y + 10)
    assert list(sparse.classes_) == [10, 11, 12]
    assert set(sparse.predict(x)) <= {10, 11, 12}
    assert sparse.score(x, y + 10) > 0.6
    with pytest.raises(ValueError, match=r"Invalid shape for y: \(150, 1, 1\)"):
        estimator.fit(x, y.reshape(150, 1, 1))


def test_binary_predict_proba_has_two_columns(iris):
    x, y = iris
    binary = (y == 0).astype("int64")

    def build():
        model = Sequential([Dense(1, input_shape=(4,), activation="sigmoid")])
        model.compile(Adam(lr=0.03), "binary_crossentropy", metrics=["accuracy"])
        return model

    estimator = KerasClassifier(build, epochs=40, batch_size=16, verbose=0)
    estimator.fit(x, binary)
    proba = estimator.predict_proba(x)
    raw = estimator.model.predict(x)
    assert proba.shape == (150, 2)
    np.testing.assert_allclose(proba[:, 1:], raw, rtol=1e-6)
    np.testing.assert_allclose(proba[:, :1], 1 - raw, rtol=1e-6)
    assert estimator.predict(x).shape == (150, 1)


def test_score_needs_the_accuracy_metric(iris):
    x, y = iris

    def build():
        model = Sequential([Dense(3, input_shape=(4,), activation="softmax")])
        model.compile("sgd", "categorical_crossentropy")
        return model

    estimator = KerasClassifier(build, epochs=1, verbose=0)
    estimator.fit(x, y)
    with pytest.raises(ValueError, match="not configured to compute accuracy"):
        estimator.score(x, y)


def test_regressor_predict_and_score_is_minus_loss(iris):
    x, _ = iris
    target = (x @ np.array([0.5, -1.0, 2.0, 0.25], "float32") + 1.0).astype("float32")
    estimator = KerasRegressor(build_regressor, hidden_dims=16, epochs=60, batch_size=16, verbose=0)
    estimator.fit(x, target)
    predictions = estimator.predict(x)
    assert predictions.shape == (150,)
    mse = float(np.mean((predictions - target) ** 2))
    assert estimator.score(x, target) == pytest.approx(-mse, rel=1e-4)
    assert mse < 1.0


def test_inside_cross_val_score_grid_search_and_pipeline(iris):
    x, y = iris
    scores = cross_val_score(KerasClassifier(build_classifier, **FIT), x, y, cv=KFold(2))
    assert scores.shape == (2,) and scores.min() > 0.7

    grid = GridSearchCV(KerasClassifier(build_classifier, **FIT),
                        param_grid={"hidden_dims": [4, 8], "epochs": [1, 30]}, cv=KFold(2))
    grid.fit(x, y)
    assert grid.best_params_["epochs"] == 30          # one epoch (5 steps) cannot learn iris
    assert grid.best_estimator_.model.layers[0].units == grid.best_params_["hidden_dims"]
    assert grid.score(x, y) > 0.8

    pipeline = Pipeline([("scale", StandardScaler()),
                         ("net", KerasRegressor(build_regressor, **FIT))])
    target = x[:, 2] * 2.0 - x[:, 3]
    pipeline.fit(x * 10.0 + 3.0, target)
    assert pipeline.predict(x * 10.0 + 3.0).shape == (150,)
    assert pipeline.score(x * 10.0 + 3.0, target) > -0.5
