"""Keras' mnist_mlp program as a Keras 2.1.6 user writes it: MNIST from
`keras.datasets.mnist`, flattened to 784 pixels in [0, 1], and a deep MLP of two
Dense(512)+Dropout(0.2) layers trained with RMSprop.

Needs Keras' `mnist.npz` in the Keras cache (`~/.keras/datasets/`, or
`$KERAS_HOME/datasets/`); examples/mnist_mlp.py runs the same model on data that ships
with scikit-learn instead.

    python examples/mnist_mlp_keras.py [--epochs 20]
"""
import argparse

import keralite as keras
from keralite.datasets import mnist
from keralite.models import Sequential
from keralite.layers import Dense, Dropout
from keralite.optimizers import RMSprop


def main(epochs=20, batch_size=128, units=512, num_train=None, verbose=1):
    """Train and test the MLP; returns {"history": ..., "test_loss": ..., "test_acc": ...}.

    `num_train` keeps only the first training images (all of them when None)."""
    num_classes = 10
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    if num_train is not None:
        x_train, y_train = x_train[:num_train], y_train[:num_train]

    # 28x28 uint8 images -> rows of 784 floats in [0, 1]
    x_train = x_train.reshape(len(x_train), 784).astype("float32") / 255
    x_test = x_test.reshape(len(x_test), 784).astype("float32") / 255
    print(x_train.shape[0], "train samples")
    print(x_test.shape[0], "test samples")
    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_test = keras.utils.to_categorical(y_test, num_classes)

    model = Sequential()
    model.add(Dense(units, activation="relu", input_shape=(784,)))
    model.add(Dropout(0.2))
    model.add(Dense(units, activation="relu"))
    model.add(Dropout(0.2))
    model.add(Dense(num_classes, activation="softmax"))
    model.summary()
    model.compile(loss="categorical_crossentropy", optimizer=RMSprop(), metrics=["accuracy"])

    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=verbose,
                        validation_data=(x_test, y_test))
    score = model.evaluate(x_test, y_test, verbose=0)
    print("Test loss:", score[0])
    print("Test accuracy:", score[1])
    return {"history": history.history, "test_loss": score[0], "test_acc": score[1]}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args()
    main(args.epochs, args.batch_size)
