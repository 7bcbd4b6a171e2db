"""Keras' reuters_mlp program: Reuters newswires from `keras.datasets.reuters`, each
turned into a bag of its words (a binary vector over the `max_words` commonest words, by
`Tokenizer.sequences_to_matrix`), classified by topic with an MLP of one hidden
Dense(512) layer.

Needs Keras' `reuters.npz` in the Keras cache (`~/.keras/datasets/`, or
`$KERAS_HOME/datasets/`).

    python examples/reuters_mlp.py [--epochs 5] [--max-words 1000]
"""
import argparse

import numpy as np

import keralite as keras
from keralite.datasets import reuters
from keralite.models import Sequential
from keralite.layers import Activation, Dense, Dropout
from keralite.preprocessing.text import Tokenizer


def main(epochs=5, batch_size=32, max_words=1000, units=512, verbose=1):
    """Train and test the MLP; returns {"history": ..., "test_loss": ..., "test_acc": ...,
    "num_classes": ...}."""
    print("Loading data...")
    (x_train, y_train), (x_test, y_test) = reuters.load_data(num_words=max_words, test_split=0.2)
    print(len(x_train), "train sequences")
    print(len(x_test), "test sequences")

    # the topics are numbered from 0, so the largest one tells how many there are
    num_classes = int(np.max(y_train)) + 1
    print(num_classes, "classes")

    print("Vectorizing sequence data...")
    tokenizer = Tokenizer(num_words=max_words)
    x_train = tokenizer.sequences_to_matrix(x_train, mode="binary")
    x_test = tokenizer.sequences_to_matrix(x_test, mode="binary")
    print("x_train shape:", x_train.shape)
    print("x_test shape:", x_test.shape)

    print("Convert class vector to binary class matrix (for use with categorical_crossentropy)")
    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_test = keras.utils.to_categorical(y_test, num_classes)
    print("y_train shape:", y_train.shape)
    print("y_test shape:", y_test.shape)

    print("Building model...")
    model = Sequential()
    model.add(Dense(units, input_shape=(max_words,)))
    model.add(Activation("relu"))
    model.add(Dropout(0.5))
    model.add(Dense(num_classes))
    model.add(Activation("softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])

    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=verbose,
                        validation_split=0.1)
    score = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=verbose)
    print("Test score:", score[0])
    print("Test accuracy:", score[1])
    return {"history": history.history, "test_loss": score[0], "test_acc": score[1],
            "num_classes": num_classes}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--max-words", type=int, default=1000)
    args = parser.parse_args()
    main(args.epochs, max_words=args.max_words)
