"""Keras' mnist_sklearn_wrapper program: a small convnet for MNIST (from
`keras.datasets.mnist`) wrapped in `keras.wrappers.scikit_learn.KerasClassifier`, so
that scikit-learn's `GridSearchCV` can pick the Dense layers on top of the
convolutions and the number of epochs by cross-validated log loss. The best model is
then evaluated on the test set.

Needs Keras' `mnist.npz` in the Keras cache (`~/.keras/datasets/`, or
`$KERAS_HOME/datasets/`), and scikit-learn.

    python examples/mnist_sklearn_wrapper.py
"""
from sklearn.model_selection import GridSearchCV

import keralite as keras
from keralite import backend as K
from keralite.datasets import mnist
from keralite.layers import Activation, Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from keralite.models import Sequential
from keralite.wrappers.scikit_learn import KerasClassifier

NUM_CLASSES = 10
IMG_ROWS, IMG_COLS = 28, 28


def load_images(num_train=None):
    """MNIST as float images in [0, 1] in the backend's data format, and one-hot labels.

    # Returns
        `(x_train, y_train), (x_test, y_test), input_shape`.
    """
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    if num_train is not None:
        x_train, y_train = x_train[:num_train], y_train[:num_train]
    if K.image_data_format() == "channels_first":
        input_shape = (1, IMG_ROWS, IMG_COLS)
    else:
        input_shape = (IMG_ROWS, IMG_COLS, 1)
    x_train = x_train.reshape((x_train.shape[0],) + input_shape).astype("float32") / 255
    x_test = x_test.reshape((x_test.shape[0],) + input_shape).astype("float32") / 255
    y_train = keras.utils.to_categorical(y_train, NUM_CLASSES)
    y_test = keras.utils.to_categorical(y_test, NUM_CLASSES)
    return (x_train, y_train), (x_test, y_test), input_shape


def make_model(dense_layer_sizes, filters, kernel_size, pool_size, input_shape=(IMG_ROWS, IMG_COLS, 1)):
    """Builds and compiles the convnet: two convolutions of `filters` filters of
    `kernel_size`, max pooling by `pool_size`, then one Dense layer per entry of
    `dense_layer_sizes` and the softmax classifier. KerasClassifier calls it with the
    grid point's values of these arguments."""
    model = Sequential()
    model.add(Conv2D(filters, kernel_size, padding="valid", input_shape=input_shape))
    model.add(Activation("relu"))
    model.add(Conv2D(filters, kernel_size))
    model.add(Activation("relu"))
    model.add(MaxPooling2D(pool_size=pool_size))
    model.add(Dropout(0.25))

    model.add(Flatten())
    for layer_size in dense_layer_sizes:
        model.add(Dense(layer_size))
        model.add(Activation("relu"))
    model.add(Dropout(0.5))
    model.add(Dense(NUM_CLASSES))
    model.add(Activation("softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="adadelta", metrics=["accuracy"])
    return model


def main(dense_size_candidates=([32], [64], [32, 32], [64, 64]), epochs_candidates=(3, 6), filters=8,
         batch_size=32, cv=3, num_train=None, verbose=0):
    """Runs the grid search and tests the best model; returns {"best_params": ...,
    "cv_results": ..., "test_metrics": {metric name: value}}."""
    (x_train, y_train), (x_test, y_test), input_shape = load_images(num_train)

    my_classifier = KerasClassifier(make_model, batch_size=batch_size, input_shape=input_shape,
                                    verbose=verbose)
    validator = GridSearchCV(my_classifier,
                             param_grid={"dense_layer_sizes": [list(sizes) for sizes in dense_size_candidates],
                                         # epochs is a fit() argument, yet it can be searched too
                                         "epochs": list(epochs_candidates),
                                         "filters": [filters],
                                         "kernel_size": [3],
                                         "pool_size": [2]},
                             scoring="neg_log_loss",
                             # three folds, scikit-learn's default when Keras 2.1.6 was written
                             cv=cv,
                             n_jobs=1)
    validator.fit(x_train, y_train)

    print("The parameters of the best model are:")
    print(validator.best_params_)

    # validator.best_estimator_ is the KerasClassifier refitted on all the training data;
    # its .model is the Keras model inside
    best_model = validator.best_estimator_.model
    metric_names = best_model.metrics_names
    metric_values = best_model.evaluate(x_test, y_test, verbose=0)
    for metric, value in zip(metric_names, metric_values):
        print(metric, ": ", value)
    return {"best_params": validator.best_params_, "cv_results": validator.cv_results_,
            "test_metrics": dict(zip(metric_names, metric_values))}


if __name__ == "__main__":
    main()
