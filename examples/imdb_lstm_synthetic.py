"""Keras' IMDB sentiment models on a synthetic "review" task that needs no download.

Each review is a variable-length list of word ids. A few ids are "positive" words and a
few are "negative" words; the rest are neutral filler. A review is labelled positive
when it holds more positive than negative words, so the model has to find the telling
ids wherever they occur in the sequence. Reviews are padded (or cut) to a fixed length
with keralite.preprocessing.sequence.pad_sequences, as the IMDB examples do.

Three models, chosen with --model, after three of Keras' IMDB examples:
  lstm           Embedding -> LSTM(dropout, recurrent_dropout) -> Dense(sigmoid)
  bidirectional  Embedding -> Bidirectional(LSTM) -> Dropout -> Dense(sigmoid)
  cnn_lstm       Embedding -> Dropout -> Conv1D -> MaxPooling1D -> LSTM -> Dense -> sigmoid

    python examples/imdb_lstm_synthetic.py [--model lstm|bidirectional|cnn_lstm|all] [--epochs 3]
"""
import argparse
import time

import numpy as np

from keralite.models import Sequential
from keralite.layers import (Activation, Bidirectional, Conv1D, Dense, Dropout, Embedding, LSTM,
                             MaxPooling1D)
from keralite.preprocessing import sequence

MODELS = ("lstm", "bidirectional", "cnn_lstm")


def make_reviews(samples, max_features, min_length, max_length, rng, telling_words=10):
    """Random reviews and their labels; ids 0 (padding) and 1 (start mark) are reserved.

    Ids 2 .. 2+telling_words-1 are positive, the next `telling_words` ids are negative.
    A review holds up to 7 telling words, so min_length must be at least 7."""
    if min_length < 7:
        raise ValueError("reviews need room for 7 telling words; min_length is %d" % min_length)
    positive = np.arange(2, 2 + telling_words)
    negative = np.arange(2 + telling_words, 2 + 2 * telling_words)
    neutral_start = 2 + 2 * telling_words
    reviews, labels = [], []
    for _ in range(samples):
        length = rng.randint(min_length, max_length + 1)
        words = rng.randint(neutral_start, max_features, size=length)
        # A handful of telling words per review, at random places, never a tie.
        n_positive, n_negative = rng.randint(0, 4, size=2)
        if n_positive == n_negative:
            n_positive += 1
        places = rng.choice(length, size=n_positive + n_negative, replace=False)
        words[places[:n_positive]] = rng.choice(positive, size=n_positive)
        words[places[n_positive:]] = rng.choice(negative, size=n_negative)
        reviews.append([1] + list(words))
        labels.append(int(n_positive > n_negative))
    return reviews, np.array(labels, dtype="float32")


def build_model(kind, max_features, maxlen, embedding_size=128, units=128):
    model = Sequential()
    if kind == "lstm":
        model.add(Embedding(max_features, embedding_size))
        model.add(LSTM(units, dropout=0.2, recurrent_dropout=0.2))
        model.add(Dense(1, activation="sigmoid"))
    elif kind == "bidirectional":
        model.add(Embedding(max_features, embedding_size, input_length=maxlen))
        model.add(Bidirectional(LSTM(units // 2)))
        model.add(Dropout(0.5))
        model.add(Dense(1, activation="sigmoid"))
    elif kind == "cnn_lstm":
        model.add(Embedding(max_features, embedding_size, input_length=maxlen))
        model.add(Dropout(0.25))
        model.add(Conv1D(units // 2, 5, padding="valid", activation="relu", strides=1))
        model.add(MaxPooling1D(pool_size=4))
        model.add(LSTM(units // 2))
        model.add(Dense(1))
        model.add(Activation("sigmoid"))
    else:
        raise ValueError("unknown model %r, expected one of %s" % (kind, ", ".join(MODELS)))
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def train_one(kind, data, max_features, maxlen, epochs, batch_size, embedding_size, units, verbose):
    x_train, y_train, x_test, y_test = data
    print("\n== %s ==" % kind)
    model = build_model(kind, max_features, maxlen, embedding_size, units)
    model.summary()
    start = time.time()
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=verbose,
                        validation_data=(x_test, y_test))
    elapsed = time.time() - start
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)
    print("%s: training took %.2f s" % (kind, elapsed))
    print("%s: Test score: %.4f" % (kind, loss))
    print("%s: Test accuracy: %.4f" % (kind, accuracy))
    return {"test_loss": loss, "test_acc": accuracy, "history": history.history, "seconds": elapsed}


def main(epochs=3, samples=4000, model="all", max_features=2000, maxlen=60, embedding_size=128,
         units=128, batch_size=32, seed=0, verbose=2):
    """Train the chosen model(s); return {model name: {"test_acc": ..., "test_loss": ..., ...}}."""
    np.random.seed(seed)
    rng = np.random.RandomState(seed)
    reviews, labels = make_reviews(samples, max_features, maxlen // 3, maxlen + maxlen // 4, rng)
    x = sequence.pad_sequences(reviews, maxlen=maxlen)
    split = samples // 2
    data = (x[:split], labels[:split], x[split:], labels[split:])
    print(split, "train sequences,", samples - split, "test sequences")
    print("x_train shape:", data[0].shape, " positive share: %.2f" % labels.mean())
    kinds = MODELS if model == "all" else (model,)
    return {kind: train_one(kind, data, max_features, maxlen, epochs, batch_size, embedding_size,
                            units, verbose)
            for kind in kinds}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=MODELS + ("all",), default="all")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=4000)
    args = parser.parse_args()
    main(args.epochs, args.samples, args.model)
