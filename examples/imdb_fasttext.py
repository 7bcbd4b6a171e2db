"""Keras' imdb_fasttext program: the fastText idea (Joulin et al., 2016, "Bag of Tricks
for Efficient Text Classification") on IMDB reviews from `keras.datasets.imdb`: average
the embeddings of a review's words, and optionally of its n-grams, each n-gram seen in
training getting a token of its own above the word indices, then one sigmoid unit.

Needs Keras' `imdb.npz` in the Keras cache (`~/.keras/datasets/`, or
`$KERAS_HOME/datasets/`).

    python examples/imdb_fasttext.py [--ngram-range 1] [--epochs 5]
"""
import argparse

import numpy as np

from keralite.datasets import imdb
from keralite.models import Sequential
from keralite.layers import Dense, Embedding, GlobalAveragePooling1D
from keralite.preprocessing import sequence


def ngrams_of(tokens, n):
    """The set of n-grams (tuples of n consecutive tokens) of a sequence.

    >>> sorted(ngrams_of([1, 4, 9, 4], 2))
    [(1, 4), (4, 9), (9, 4)]
    """
    tokens = list(tokens)
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


def append_ngram_tokens(sequences, token_of_ngram, ngram_range):
    """Each sequence followed by the tokens of its known n-grams (n = 2 .. ngram_range),
    in order of appearance; n-grams missing from `token_of_ngram` are skipped.

    >>> append_ngram_tokens([[1, 3, 4]], {(1, 3): 10, (3, 4, 5): 11}, 3)
    [[1, 3, 4, 10]]
    """
    extended = []
    for tokens in sequences:
        tokens = list(tokens)
        added = []
        for n in range(2, ngram_range + 1):
            for start in range(len(tokens) - n + 1):
                token = token_of_ngram.get(tuple(tokens[start:start + n]))
                if token is not None:
                    added.append(token)
        extended.append(tokens + added)
    return extended


def main(epochs=5, batch_size=32, ngram_range=1, max_features=20000, maxlen=400, embedding_dims=50,
         verbose=1):
    """Train and test the model; returns {"history": ..., "test_loss": ..., "test_acc": ...,
    "max_features": ...} (the vocabulary after the n-gram tokens are added)."""
    print("Loading data...")
    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=max_features)
    print(len(x_train), "train sequences")
    print(len(x_test), "test sequences")
    print("Average train sequence length: {}".format(np.mean(list(map(len, x_train)), dtype=int)))
    print("Average test sequence length: {}".format(np.mean(list(map(len, x_test)), dtype=int)))

    if ngram_range > 1:
        print("Adding {}-gram features".format(ngram_range))
        # the n-grams of the training set only, numbered after the word indices
        seen = set()
        for tokens in x_train:
            for n in range(2, ngram_range + 1):
                seen |= ngrams_of(tokens, n)
        token_of_ngram = {ngram: max_features + i for i, ngram in enumerate(sorted(seen))}
        max_features = max_features + len(token_of_ngram)
        print("There are now {} features".format(max_features))
        x_train = append_ngram_tokens(x_train, token_of_ngram, ngram_range)
        x_test = append_ngram_tokens(x_test, token_of_ngram, ngram_range)
        print("Average train sequence length: {}".format(np.mean(list(map(len, x_train)), dtype=int)))
        print("Average test sequence length: {}".format(np.mean(list(map(len, x_test)), dtype=int)))

    print("Pad sequences (samples x time)")
    x_train = sequence.pad_sequences(x_train, maxlen=maxlen)
    x_test = sequence.pad_sequences(x_test, maxlen=maxlen)
    print("x_train shape:", x_train.shape)
    print("x_test shape:", x_test.shape)

    print("Build model...")
    model = Sequential()
    model.add(Embedding(max_features, embedding_dims, input_length=maxlen))
    # the mean of the review's embeddings, padding included, as Keras' program does
    model.add(GlobalAveragePooling1D())
    model.add(Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])

    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=verbose,
                        validation_data=(x_test, y_test))
    score, acc = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)
    print("Test score:", score)
    print("Test accuracy:", acc)
    return {"history": history.history, "test_loss": score, "test_acc": acc, "max_features": max_features}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ngram-range", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    main(args.epochs, ngram_range=args.ngram_range)
