"""Recurrent classifiers of handwritten digits read one pixel row at a time, on the 8x8
digits that ship with scikit-learn (offline) instead of MNIST.

  irnn          An IRNN (Le, Jaitly and Hinton, 2015): a SimpleRNN with relu units whose
                recurrent matrix starts as the identity and whose input matrix starts
                tiny, trained with RMSprop. Each image is 8 steps of 8 pixels.
  hierarchical  A hierarchical RNN (functional API): TimeDistributed(LSTM) encodes each
                row of pixels, then an LSTM reads the 8 row encodings.

    python examples/mnist_irnn_digits.py [--model irnn|hierarchical|all] [--epochs 25]
"""
import argparse
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import keralite as keras
from keralite import initializers
from keralite.layers import Activation, Dense, Input, LSTM, SimpleRNN, TimeDistributed
from keralite.models import Model, Sequential
from keralite.optimizers import RMSprop

MODELS = ("irnn", "hierarchical")
ROWS, COLUMNS, NUM_CLASSES = 8, 8, 10


def load_data(samples=None, seed=0):
    """Images scaled to 0..1 as (n, 8 rows, 8 columns), and one-hot labels."""
    digits = load_digits()
    x = digits.data.astype("float32").reshape(-1, ROWS, COLUMNS) / 16.0
    y = digits.target
    if samples is not None and samples < len(x):
        keep = np.random.RandomState(seed).choice(len(x), size=samples, replace=False)
        x, y = x[keep], y[keep]
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=seed,
                                                        stratify=y)
    to_one_hot = keras.utils.to_categorical
    return x_train, x_test, to_one_hot(y_train, NUM_CLASSES), to_one_hot(y_test, NUM_CLASSES)


def build_irnn(hidden_units, learning_rate):
    model = Sequential()
    model.add(SimpleRNN(hidden_units,
                        kernel_initializer=initializers.RandomNormal(stddev=0.001),
                        recurrent_initializer=initializers.Identity(gain=1.0),
                        activation="relu",
                        input_shape=(ROWS, COLUMNS)))
    model.add(Dense(NUM_CLASSES))
    model.add(Activation("softmax"))
    model.compile(loss="categorical_crossentropy", optimizer=RMSprop(lr=learning_rate),
                  metrics=["accuracy"])
    return model


def build_hierarchical(row_hidden, column_hidden, learning_rate):
    images = Input(shape=(ROWS, COLUMNS, 1))
    # Each row (8 pixels, one feature each) becomes a vector of size row_hidden...
    encoded_rows = TimeDistributed(LSTM(row_hidden))(images)
    # ...and the sequence of 8 row vectors becomes one image vector.
    encoded_image = LSTM(column_hidden)(encoded_rows)
    prediction = Dense(NUM_CLASSES, activation="softmax")(encoded_image)
    model = Model(images, prediction)
    model.compile(loss="categorical_crossentropy", optimizer=RMSprop(lr=learning_rate),
                  metrics=["accuracy"])
    return model


def train_one(kind, data, epochs, batch_size, hidden_units, learning_rate, verbose):
    x_train, x_test, y_train, y_test = data
    print("\n== %s ==" % kind)
    if kind == "irnn":
        model = build_irnn(hidden_units, learning_rate)
    elif kind == "hierarchical":
        model = build_hierarchical(hidden_units, hidden_units, learning_rate)
        x_train, x_test = x_train[..., np.newaxis], x_test[..., np.newaxis]
    else:
        raise ValueError("unknown model %r, expected one of %s" % (kind, ", ".join(MODELS)))
    model.summary()
    start = time.time()
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=verbose,
                        validation_data=(x_test, y_test))
    elapsed = time.time() - start
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print("%s: training took %.2f s" % (kind, elapsed))
    print("%s: Test loss: %.4f" % (kind, loss))
    print("%s: Test accuracy: %.4f" % (kind, accuracy))
    return {"test_loss": loss, "test_acc": accuracy, "history": history.history, "seconds": elapsed}


def main(epochs=25, samples=None, model="all", hidden_units=100, learning_rate=1e-3,
         batch_size=32, seed=0, verbose=2):
    """Train the chosen model(s) on `samples` digits (all 1797 when None); return
    {model name: {"test_acc": ..., "test_loss": ..., ...}}."""
    np.random.seed(seed)
    data = load_data(samples, seed)
    print(len(data[0]), "train samples,", len(data[1]), "test samples")
    kinds = MODELS if model == "all" else (model,)
    return {kind: train_one(kind, data, epochs, batch_size, hidden_units, learning_rate, verbose)
            for kind in kinds}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=MODELS + ("all",), default="all")
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--samples", type=int, default=None)
    args = parser.parse_args()
    main(args.epochs, args.samples, args.model)
