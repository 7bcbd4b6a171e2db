"""Keras' mnist_cnn program: a small convnet (two 3x3 convolutions, max pooling,
dropout, a Dense(128) layer) on MNIST from `keras.datasets.mnist`, trained with
Adadelta. The image tensors follow `K.image_data_format()`, as in Keras.

Needs Keras' `mnist.npz` in the Keras cache (`~/.keras/datasets/`, or
`$KERAS_HOME/datasets/`).

    python examples/mnist_cnn.py [--epochs 12]
"""
import argparse

import keralite as keras
from keralite import backend as K
from keralite.datasets import mnist
from keralite.models import Sequential
from keralite.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D

IMG_ROWS, IMG_COLS = 28, 28


def as_image_tensor(images):
    """uint8 images (n, 28, 28) -> float32 in [0, 1], with the channel axis where the
    backend's image data format wants it."""
    if K.image_data_format() == "channels_first":
        images = images.reshape(images.shape[0], 1, IMG_ROWS, IMG_COLS)
    else:
        images = images.reshape(images.shape[0], IMG_ROWS, IMG_COLS, 1)
    return images.astype("float32") / 255


def build_model(input_shape, num_classes, filters=(32, 64), dense_units=128):
    model = Sequential()
    model.add(Conv2D(filters[0], kernel_size=(3, 3), activation="relu", input_shape=input_shape))
    model.add(Conv2D(filters[1], (3, 3), activation="relu"))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.25))
    model.add(Flatten())
    model.add(Dense(dense_units, activation="relu"))
    model.add(Dropout(0.5))
    model.add(Dense(num_classes, activation="softmax"))
    model.compile(loss=keras.losses.categorical_crossentropy, optimizer=keras.optimizers.Adadelta(),
                  metrics=["accuracy"])
    return model


def main(epochs=12, batch_size=128, filters=(32, 64), dense_units=128, num_train=None, verbose=1):
    """Train and test the convnet; returns {"history": ..., "test_loss": ..., "test_acc": ...}.

    `num_train` keeps only the first training images (all of them when None)."""
    num_classes = 10
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    if num_train is not None:
        x_train, y_train = x_train[:num_train], y_train[:num_train]
    x_train, x_test = as_image_tensor(x_train), as_image_tensor(x_test)
    print("x_train shape:", x_train.shape)
    print(x_train.shape[0], "train samples")
    print(x_test.shape[0], "test samples")
    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_test = keras.utils.to_categorical(y_test, num_classes)

    model = build_model(x_train.shape[1:], num_classes, filters, dense_units)
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=verbose,
                        validation_data=(x_test, y_test))
    score = model.evaluate(x_test, y_test, verbose=0)
    print("Test loss:", score[0])
    print("Test accuracy:", score[1])
    return {"history": history.history, "test_loss": score[0], "test_acc": score[1]}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args()
    main(args.epochs, args.batch_size)
