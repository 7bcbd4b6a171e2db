"""Keras' mnist_mlp example, run unchanged in spirit on data that ships offline: the 8x8
handwritten digits of scikit-learn (1797 images) instead of MNIST.

Trains a simple deep MLP (two hidden Dense+Dropout layers, RMSprop), reports the test
accuracy and saves the trained model to an HDF5 file that Keras 2 can load.

    python examples/mnist_mlp.py [--epochs 20] [--output digits_mlp.h5]
"""
import argparse
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import keralite as keras
from keralite.models import Sequential
from keralite.layers import Dense, Dropout
from keralite.optimizers import RMSprop


def load_data(seed=0):
    digits = load_digits()
    x = digits.data.astype("float32") / 16.0          # pixel values 0..16 -> 0..1
    y = digits.target
    return train_test_split(x, y, test_size=0.25, random_state=seed, stratify=y)


def main(epochs=20, batch_size=32, output="digits_mlp.h5"):
    np.random.seed(0)
    num_classes = 10
    x_train, x_test, y_train, y_test = load_data()
    print(x_train.shape[0], "train samples")
    print(x_test.shape[0], "test samples")
    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_test = keras.utils.to_categorical(y_test, num_classes)

    model = Sequential()
    model.add(Dense(512, activation="relu", input_shape=(64,)))
    model.add(Dropout(0.2))
    model.add(Dense(512, activation="relu"))
    model.add(Dropout(0.2))
    model.add(Dense(num_classes, activation="softmax"))
    model.summary()
    model.compile(loss="categorical_crossentropy", optimizer=RMSprop(), metrics=["accuracy"])

    start = time.time()
    model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=2,
              validation_data=(x_test, y_test))
    print("training took %.2f s" % (time.time() - start))
    score = model.evaluate(x_test, y_test, verbose=0)
    print("Test loss:", score[0])
    print("Test accuracy:", score[1])
    model.save(output)
    print("saved the trained model to", output)
    return score[1]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--output", default="digits_mlp.h5")
    args = parser.parse_args()
    main(args.epochs, args.batch_size, args.output)
