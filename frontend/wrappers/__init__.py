"""keralite.wrappers, laid out as keras.wrappers: `scikit_learn` holds the
scikit-learn estimator wrappers (KerasClassifier, KerasRegressor)."""
from . import scikit_learn  # noqa: F401
