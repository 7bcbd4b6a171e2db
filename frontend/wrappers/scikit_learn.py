"""keras.wrappers.scikit_learn: a Keras model seen by scikit-learn as an estimator,
so `cross_val_score`, `GridSearchCV` and `Pipeline` can fit and score it.

The wrapper keeps no model until `fit`: it keeps how to build one (`build_fn`) and
the keyword arguments (`sk_params`) that scikit-learn tunes and clones. Each
parameter goes to whichever of build_fn, `fit`, `predict` or `evaluate` accepts it.
scikit-learn itself is imported only when it asks for the estimator's tags.
"""
import copy
import types

import numpy as np

from ..models import Model, Sequential
from ..utils.generic_utils import has_arg
from ..utils.np_utils import to_categorical


def _loss_name(model):
    loss = model.loss
    return getattr(loss, "__name__", loss)


class BaseWrapper(object):
    """Base class of the scikit-learn wrappers.

    `build_fn` builds and compiles the Keras model. It may be a function, an
    instance of a class with a `__call__` method, or None, in which case the
    wrapper's subclass must define `__call__` to build the model. Its keyword
    arguments are taken from `sk_params` by name, as are those of `fit`,
    `predict`, `predict_classes`, `predict_proba` and `evaluate`; a parameter no one
    accepts is an error (except the Keras 1 name `nb_epoch`, let through). Default
    values of build_fn apply to what `sk_params` does not give.

    # Arguments
        build_fn: callable function or class instance, or None (see above).
        **sk_params: model parameters and fitting parameters.

    # Raises
        ValueError: a parameter in `sk_params` is not legal (see `check_params`).
    """

    def __init__(self, build_fn=None, **sk_params):
        self.build_fn = build_fn
        self.sk_params = sk_params
        self.check_params(sk_params)

    def _builder(self):
        """The callable that builds the model, and the one whose arguments it takes."""
        if self.build_fn is None:
            return self.__call__, self.__call__
        if not isinstance(self.build_fn, (types.FunctionType, types.MethodType)):
            return self.build_fn, self.build_fn.__call__
        return self.build_fn, self.build_fn

    def check_params(self, params):
        """Checks that every name in `params` is an argument of the model-building
        callable or of `fit`, `predict`, `predict_classes` or `evaluate`.

        # Arguments
            params: dictionary of the parameters to check.

        # Raises
            ValueError: if any member of `params` is not a valid argument.
        """
        legal_params_fns = [Sequential.fit, Sequential.predict, Sequential.predict_classes, Model.evaluate,
                            self._builder()[1]]
        for params_name in params:
            if params_name == "nb_epoch":
                continue
            if not any(has_arg(fn, params_name) for fn in legal_params_fns):
                raise ValueError("{} is not a legal parameter".format(params_name))

    def get_params(self, **params):
        """Gets the parameters of this estimator (scikit-learn's protocol).

        The values are the objects held, not copies: scikit-learn's `clone` checks
        that a rebuilt wrapper holds the very objects it was given.

        # Arguments
            **params: ignored (scikit-learn passes `deep`).

        # Returns
            Dictionary of the parameters, `build_fn` included.
        """
        res = dict(self.sk_params)
        res.update({"build_fn": self.build_fn})
        return res

    def set_params(self, **params):
        """Sets the parameters of this estimator.

        # Arguments
            **params: sklearn parameters, checked as in `check_params`.

        # Returns
            self

        # Raises
            ValueError: a parameter is not legal.
        """
        self.check_params(params)
        self.sk_params.update(params)
        return self

    def fit(self, x, y, **kwargs):
        """Builds a new model with `build_fn` and trains it on `(x, y)`.

        When the model's loss is `categorical_crossentropy` and `y` is not 2-D, `y`
        (class indices) is one-hot encoded first.

        # Arguments
            x: array-like, shape `(n_samples, n_features)`: training input samples.
            y: array-like, shape `(n_samples,)` or `(n_samples, n_outputs)`: targets.
            **kwargs: arguments of `fit`; they override those in `sk_params`.

        # Returns
            history: the `History` of the training.
        """
        build, signature = self._builder()
        self.model = build(**self.filter_sk_params(signature))

        if _loss_name(self.model) == "categorical_crossentropy" and len(y.shape) != 2:
            y = to_categorical(y)

        fit_args = copy.deepcopy(self.filter_sk_params(Sequential.fit))
        fit_args.update(kwargs)
        return self.model.fit(x, y, **fit_args)

    def filter_sk_params(self, fn, override=None):
        """The entries of `sk_params` that are arguments of `fn`, updated with `override`.

        # Arguments
            fn: a callable.
            override: dictionary of values that take precedence.

        # Returns
            A dictionary of the arguments for `fn`.
        """
        override = override or {}
        res = {name: value for name, value in self.sk_params.items() if has_arg(fn, name)}
        res.update(override)
        return res

    def __sklearn_is_fitted__(self):
        return hasattr(self, "model")

    def _sklearn_tags(self, estimator_type):
        # scikit-learn >= 1.6 asks every estimator for its tags; imported here so that
        # keralite does not need scikit-learn until scikit-learn uses the wrapper
        from sklearn.utils import Tags, TargetTags, ClassifierTags, RegressorTags
        return Tags(estimator_type=estimator_type, target_tags=TargetTags(required=True),
                    classifier_tags=ClassifierTags() if estimator_type == "classifier" else None,
                    regressor_tags=RegressorTags() if estimator_type == "regressor" else None,
                    non_deterministic=True)


class KerasClassifier(BaseWrapper):
    """Implementation of the scikit-learn classifier API for Keras.

    Class labels may be any sortable values: `fit` maps them to indices and
    `predict` maps indices back (`classes_`).
    """

    _estimator_type = "classifier"  # how scikit-learn before 1.6 tells a classifier

    def __sklearn_tags__(self):
        return self._sklearn_tags("classifier")

    def fit(self, x, y, sample_weight=None, **kwargs):
        """Builds a new model and trains it on `(x, y)`.

        # Arguments
            x: array-like, shape `(n_samples, n_features)`: training input samples.
            y: array-like, shape `(n_samples,)` of labels, or `(n_samples, n_classes)`
                one-hot.
            sample_weight: optional array of per-sample weights.
            **kwargs: arguments of `fit`; they override those in `sk_params`.

        # Returns
            history: the `History` of the training.

        # Raises
            ValueError: in case of invalid shape for `y` argument.
        """
        y = np.array(y)
        if len(y.shape) == 2 and y.shape[1] > 1:
            self.classes_ = np.arange(y.shape[1])
        elif (len(y.shape) == 2 and y.shape[1] == 1) or len(y.shape) == 1:
            self.classes_ = np.unique(y)
            y = np.searchsorted(self.classes_, y)
        else:
            raise ValueError("Invalid shape for y: " + str(y.shape))
        self.n_classes_ = len(self.classes_)
        if sample_weight is not None:
            kwargs["sample_weight"] = sample_weight
        return super(KerasClassifier, self).fit(x, y, **kwargs)

    def predict(self, x, **kwargs):
        """Returns the class predictions for the given test data.

        # Arguments
            x: array-like, shape `(n_samples, n_features)`: test samples.
            **kwargs: arguments of `Sequential.predict_classes`; they override
                those in `sk_params`.

        # Returns
            preds: array-like, shape `(n_samples,)` (`(n_samples, 1)` for a model
            with one sigmoid output): class predictions, as labels of `classes_`.
        """
        kwargs = self.filter_sk_params(Sequential.predict_classes, kwargs)
        classes = self.model.predict_classes(x, **kwargs)
        return self.classes_[classes]

    def predict_proba(self, x, **kwargs):
        """Returns class probability estimates for the given test data.

        # Arguments
            x: array-like, shape `(n_samples, n_features)`: test samples.
            **kwargs: arguments of `Sequential.predict_proba`; they override those
                in `sk_params`.

        # Returns
            proba: array-like, shape `(n_samples, n_outputs)`. For a model with one
            output unit (binary classification), two columns: the probability of
            class 0 and of class 1, as scikit-learn expects.
        """
        kwargs = self.filter_sk_params(Sequential.predict_proba, kwargs)
        probs = self.model.predict_proba(x, **kwargs)
        if probs.shape[1] == 1:
            probs = np.hstack([1 - probs, probs])
        return probs

    def score(self, x, y, **kwargs):
        """Returns the mean accuracy on the given test data and labels.

        # Arguments
            x: array-like, shape `(n_samples, n_features)`: test samples.
            y: array-like, shape `(n_samples,)` or `(n_samples, n_outputs)`: labels.
            **kwargs: arguments of `evaluate`; they override those in `sk_params`.

        # Returns
            score: float, the model's `acc` metric on the data.

        # Raises
            ValueError: the model was not compiled with the accuracy metric.
        """
        y = np.searchsorted(self.classes_, y)
        kwargs = self.filter_sk_params(Sequential.evaluate, kwargs)
        if _loss_name(self.model) == "categorical_crossentropy" and len(y.shape) != 2:
            y = to_categorical(y)
        outputs = self.model.evaluate(x, y, **kwargs)
        if not isinstance(outputs, list):
            outputs = [outputs]
        for name, output in zip(self.model.metrics_names, outputs):
            if name == "acc":
                return output
        raise ValueError("The model is not configured to compute accuracy. You should pass "
                         "`metrics=[\"accuracy\"]` to the `model.compile()` method.")


class KerasRegressor(BaseWrapper):
    """Implementation of the scikit-learn regressor API for Keras."""

    _estimator_type = "regressor"  # how scikit-learn before 1.6 tells a regressor

    def __sklearn_tags__(self):
        return self._sklearn_tags("regressor")

    def predict(self, x, **kwargs):
        """Returns predictions for the given test data.

        # Arguments
            x: array-like, shape `(n_samples, n_features)`: test samples.
            **kwargs: arguments of `predict`; they override those in `sk_params`.

        # Returns
            preds: array-like, shape `(n_samples,)` (size-1 axes squeezed out).
        """
        kwargs = self.filter_sk_params(Sequential.predict, kwargs)
        return np.squeeze(self.model.predict(x, **kwargs))

    def score(self, x, y, **kwargs):
        """Returns the loss on the given test data, negated so that greater is better
        as scikit-learn assumes.

        # Arguments
            x: array-like, shape `(n_samples, n_features)`: test samples.
            y: array-like, shape `(n_samples,)`: true values.
            **kwargs: arguments of `evaluate`; they override those in `sk_params`.

        # Returns
            score: float, minus the model's loss on the data.
        """
        kwargs = self.filter_sk_params(Sequential.evaluate, kwargs)
        loss = self.model.evaluate(x, y, **kwargs)
        if isinstance(loss, list):
            return -loss[0]
        return -loss
