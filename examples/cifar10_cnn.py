"""Keras' cifar10_cnn program: a VGG-like stack of four 3x3 convolutions (32, 32, 64,
64 filters) with max pooling and dropout, then Dense(512), trained on CIFAR-10 from
`keras.datasets.cifar10` with RMSprop, optionally on images shifted and flipped on the
fly by `ImageDataGenerator`, and saved to an HDF5 file.

Needs Keras' `cifar-10-python.tar.gz` (or its unpacked `cifar-10-batches-py/`) in the
Keras cache (`~/.keras/datasets/`, or `$KERAS_HOME/datasets/`).

    python examples/cifar10_cnn.py [--epochs 100] [--no-augmentation] [--save-dir saved_models]
"""
import argparse
import os

import keralite as keras
from keralite.datasets import cifar10
from keralite.preprocessing.image import ImageDataGenerator
from keralite.models import Sequential
from keralite.layers import Activation, Conv2D, Dense, Dropout, Flatten, MaxPooling2D

MODEL_NAME = "keras_cifar10_trained_model.h5"


def build_model(input_shape, num_classes, filters=(32, 64), dense_units=512, learning_rate=0.0001):
    model = Sequential()
    model.add(Conv2D(filters[0], (3, 3), padding="same", input_shape=input_shape))
    model.add(Activation("relu"))
    model.add(Conv2D(filters[0], (3, 3)))
    model.add(Activation("relu"))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.25))

    model.add(Conv2D(filters[1], (3, 3), padding="same"))
    model.add(Activation("relu"))
    model.add(Conv2D(filters[1], (3, 3)))
    model.add(Activation("relu"))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.25))

    model.add(Flatten())
    model.add(Dense(dense_units))
    model.add(Activation("relu"))
    model.add(Dropout(0.5))
    model.add(Dense(num_classes))
    model.add(Activation("softmax"))

    # RMSprop with a small learning rate that decays, as Keras' program trains it
    opt = keras.optimizers.rmsprop(lr=learning_rate, decay=1e-6)
    model.compile(loss="categorical_crossentropy", optimizer=opt, metrics=["accuracy"])
    return model


def main(epochs=100, batch_size=32, data_augmentation=True, save_dir=None, filters=(32, 64),
         dense_units=512, learning_rate=0.0001, verbose=1):
    """Train, save and test the convnet; returns {"history": ..., "test_loss": ...,
    "test_acc": ..., "model_path": ...}. `save_dir` defaults to ./saved_models."""
    num_classes = 10
    if save_dir is None:
        save_dir = os.path.join(os.getcwd(), "saved_models")

    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    print("x_train shape:", x_train.shape)
    print(x_train.shape[0], "train samples")
    print(x_test.shape[0], "test samples")
    y_train = keras.utils.to_categorical(y_train, num_classes)
    y_test = keras.utils.to_categorical(y_test, num_classes)
    x_train = x_train.astype("float32") / 255
    x_test = x_test.astype("float32") / 255

    model = build_model(x_train.shape[1:], num_classes, filters, dense_units, learning_rate)
    if not data_augmentation:
        print("Not using data augmentation.")
        history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=verbose,
                            validation_data=(x_test, y_test), shuffle=True)
    else:
        print("Using real-time data augmentation.")
        datagen = ImageDataGenerator(
            featurewise_center=False,             # no dataset-wide mean to subtract
            samplewise_center=False,
            featurewise_std_normalization=False,
            samplewise_std_normalization=False,
            zca_whitening=False,
            rotation_range=0,
            width_shift_range=0.1,                # shifts by up to a tenth of the width
            height_shift_range=0.1,               # and of the height
            horizontal_flip=True,
            vertical_flip=False)
        # only needed for the featurewise options; kept so they can be switched on
        datagen.fit(x_train)
        history = model.fit_generator(datagen.flow(x_train, y_train, batch_size=batch_size), epochs=epochs,
                                      verbose=verbose, validation_data=(x_test, y_test), workers=4)

    if not os.path.isdir(save_dir):
        os.makedirs(save_dir)
    model_path = os.path.join(save_dir, MODEL_NAME)
    model.save(model_path)
    print("Saved trained model at %s " % model_path)

    scores = model.evaluate(x_test, y_test, verbose=verbose)
    print("Test loss:", scores[0])
    print("Test accuracy:", scores[1])
    return {"history": history.history, "test_loss": scores[0], "test_acc": scores[1],
            "model_path": model_path}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--no-augmentation", action="store_true")
    parser.add_argument("--save-dir", default=None)
    args = parser.parse_args()
    main(args.epochs, args.batch_size, not args.no_augmentation, args.save_dir)
