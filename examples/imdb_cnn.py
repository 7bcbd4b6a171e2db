"""Keras' imdb_cnn program: IMDB reviews from `keras.datasets.imdb`, padded to a fixed
length, read by an Embedding, a 1D convolution and global max pooling (a bag of the
most telling 3-word phrases), then a hidden Dense layer and a sigmoid.

Needs Keras' `imdb.npz` in the Keras cache (`~/.keras/datasets/`, or
`$KERAS_HOME/datasets/`).

    python examples/imdb_cnn.py [--epochs 2] [--maxlen 400]
"""
import argparse

from keralite.datasets import imdb
from keralite.models import Sequential
from keralite.layers import Activation, Conv1D, Dense, Dropout, Embedding, GlobalMaxPooling1D
from keralite.preprocessing import sequence


def main(epochs=2, batch_size=32, max_features=5000, maxlen=400, embedding_dims=50, filters=250,
         kernel_size=3, hidden_dims=250, skip_longer_than=None, verbose=1):
    """Train and test the convnet; returns {"history": ..., "test_loss": ..., "test_acc": ...,
    "x_train_shape": ..., "x_test_shape": ...}.

    `skip_longer_than`, when given, is passed to `imdb.load_data` as its `maxlen`: reviews
    that long or longer are left out (the others are then padded or cut to `maxlen`)."""
    print("Loading data...")
    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=max_features, maxlen=skip_longer_than)
    print(len(x_train), "train sequences")
    print(len(x_test), "test sequences")

    print("Pad sequences (samples x time)")
    x_train = sequence.pad_sequences(x_train, maxlen=maxlen)
    x_test = sequence.pad_sequences(x_test, maxlen=maxlen)
    print("x_train shape:", x_train.shape)
    print("x_test shape:", x_test.shape)

    print("Build model...")
    model = Sequential()
    # word indices -> dense vectors of embedding_dims
    model.add(Embedding(max_features, embedding_dims, input_length=maxlen))
    model.add(Dropout(0.2))
    # filters learned over windows of kernel_size words
    model.add(Conv1D(filters, kernel_size, padding="valid", activation="relu", strides=1))
    model.add(GlobalMaxPooling1D())
    model.add(Dense(hidden_dims))
    model.add(Dropout(0.2))
    model.add(Activation("relu"))
    # one unit: the probability that the review is positive
    model.add(Dense(1))
    model.add(Activation("sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])

    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=verbose,
                        validation_data=(x_test, y_test))
    score, acc = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)
    print("Test score:", score)
    print("Test accuracy:", acc)
    return {"history": history.history, "test_loss": score, "test_acc": acc, "x_train_shape": x_train.shape,
            "x_test_shape": x_test.shape}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--maxlen", type=int, default=400)
    args = parser.parse_args()
    main(args.epochs, maxlen=args.maxlen)
