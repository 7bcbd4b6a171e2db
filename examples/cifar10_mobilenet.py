"""MobileNet from `keras.applications`, trained from scratch on CIFAR-10, as a Keras
2.1.6 user adapts an ImageNet architecture to small images: `weights=None`, a 32x32x3
`input_shape`, `classes=10` and a narrow network (`alpha=0.25`). Images are scaled to
[-1, 1] by `keras.applications.imagenet_utils.preprocess_input` in 'tf' mode, the
scaling MobileNet is defined with.

Trained briefly on a few hundred images, the network fits its training batches well
before its test accuracy moves: at test time batch normalization uses moving averages of
the training statistics (momentum 0.99), which lag weights that are still changing fast,
and 13 blocks of that gap add up. Train for more steps to see the test accuracy follow.

Needs Keras' `cifar-10-python.tar.gz` (or its unpacked `cifar-10-batches-py/`) in the
Keras cache (`~/.keras/datasets/`, or `$KERAS_HOME/datasets/`).

    python examples/cifar10_mobilenet.py [--epochs 10] [--alpha 0.25]
"""
import argparse

import keralite as keras
from keralite.applications import imagenet_utils
from keralite.applications.mobilenet import MobileNet
from keralite.datasets import cifar10

NUM_CLASSES = 10


def prepare_images(images):
    """uint8 RGB images -> float32 in [-1, 1], MobileNet's input range."""
    return imagenet_utils.preprocess_input(images.astype("float32"), mode="tf")


def main(epochs=10, batch_size=32, alpha=0.25, learning_rate=0.001, num_train=None, verbose=1):
    """Train and test MobileNet; returns {"history": ..., "test_loss": ..., "test_acc": ...,
    "predictions_shape": ..., "model_name": ...}.

    `num_train` keeps only the first training images (all of them when None)."""
    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    if num_train is not None:
        x_train, y_train = x_train[:num_train], y_train[:num_train]
    print("x_train shape:", x_train.shape)
    x_train, x_test = prepare_images(x_train), prepare_images(x_test)
    y_train = keras.utils.to_categorical(y_train, NUM_CLASSES)
    y_test = keras.utils.to_categorical(y_test, NUM_CLASSES)

    # no ImageNet weights: those exist for 128 to 224 pixel inputs with 1000 classes only
    model = MobileNet(weights=None, alpha=alpha, input_shape=x_train.shape[1:], classes=NUM_CLASSES)
    print("%s: %d parameters" % (model.name, model.count_params()))
    model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(lr=learning_rate),
                  metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=verbose, shuffle=True)

    score = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)
    predictions = model.predict(x_test[:4])
    print("Test loss:", score[0])
    print("Test accuracy:", score[1])
    return {"history": history.history, "test_loss": score[0], "test_acc": score[1],
            "predictions_shape": predictions.shape, "model_name": model.name}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--alpha", type=float, default=0.25)
    args = parser.parse_args()
    main(args.epochs, alpha=args.alpha)
