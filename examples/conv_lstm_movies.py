"""Next-frame prediction with convolutional LSTMs on generated movies of moving squares.

Each movie is a sequence of small square frames (15x15 by default) in which a few bright
squares glide in straight lines, leaving the frame at its borders. The network, a stack
of ConvLSTM2D layers each followed by BatchNormalization and closed by a Conv3D with a
sigmoid, reads a movie and predicts at every step the frame that comes next. Inputs get
a little noise on the squares, as the network should learn the motion, not the pixels.

After training, the program compares the model's next-frame error with the error of
the naive guess "nothing moves", and lets the model continue a movie on its own,
feeding back its predictions.

    python examples/conv_lstm_movies.py [--epochs 10] [--samples 240] [--size 15]
"""
import argparse
import time

import numpy as np

from keralite.layers import BatchNormalization, Conv3D, ConvLSTM2D
from keralite.models import Sequential


def make_movies(samples, frames, size, rng, max_squares=3):
    """(noisy movies, next frames): two arrays of shape (samples, frames, size, size, 1).

    The squares move on a larger canvas and the frame is its middle, so they can come in
    and leave. next_frames[:, t] is the clean frame t + 1 of the same movie."""
    margin = size // 2
    canvas = size + 2 * margin
    clean = np.zeros((samples, frames + 1, canvas, canvas), dtype="float32")
    noisy = np.zeros_like(clean)
    for movie in range(samples):
        for _ in range(rng.randint(1, max_squares + 1)):
            row, col = rng.randint(margin, margin + size, size=2)
            row_step, col_step = rng.randint(-1, 2, size=2)
            half = rng.randint(1, 3)
            for t in range(frames + 1):
                top, left = row + t * row_step, col + t * col_step
                rows = slice(max(top - half, 0), max(top + half, 0))
                cols = slice(max(left - half, 0), max(left + half, 0))
                clean[movie, t, rows, cols] = 1.0
                # Noise on the inputs only: the square's brightness flickers a little.
                noisy[movie, t, rows, cols] = 1.0 + (0.1 if rng.randint(2) else -0.1)
    window = slice(margin, margin + size)
    noisy_inputs = np.clip(noisy[:, :frames, window, window], 0.0, 1.0)[..., np.newaxis]
    next_frames = clean[:, 1:, window, window][..., np.newaxis]
    return noisy_inputs, next_frames


def build_model(size, filters, layers):
    model = Sequential()
    for layer in range(layers):
        kwargs = {"input_shape": (None, size, size, 1)} if layer == 0 else {}
        model.add(ConvLSTM2D(filters=filters, kernel_size=(3, 3), padding="same",
                             return_sequences=True, **kwargs))
        # A short run makes few updates: the moving statistics that the model uses at test
        # time need a faster average than the default momentum of 0.99 to catch up.
        model.add(BatchNormalization(momentum=0.9))
    # One frame deep, so that the prediction at step t sees no frame after t (a kernel
    # 3 frames deep with padding="same" would peek at frame t + 1, the answer).
    model.add(Conv3D(filters=1, kernel_size=(1, 3, 3), activation="sigmoid", padding="same",
                     data_format="channels_last"))
    model.compile(loss="binary_crossentropy", optimizer="adadelta")
    return model


def continue_movie(model, movie, known_frames, total_frames):
    """Frames `known_frames` .. `total_frames`-1, predicted one at a time from the model's
    own earlier predictions after the first `known_frames` real frames."""
    track = movie[:known_frames]
    for _ in range(total_frames - known_frames):
        predicted = model.predict(track[np.newaxis])[0, -1]
        track = np.concatenate([track, predicted[np.newaxis]], axis=0)
    return track[known_frames:]


def main(epochs=10, samples=240, frames=10, size=15, filters=12, layers=2, batch_size=10, seed=0,
         verbose=2):
    """Train; return a dict with the loss history, the next-frame mean squared errors of the
    model and of "nothing moves", and the shape of the model's predictions."""
    np.random.seed(seed)
    rng = np.random.RandomState(seed)
    movies, next_frames = make_movies(samples, frames, size, rng)
    split = samples - max(samples // 10, 1)
    print("movies:", movies.shape, "(%d to train, %d to test)" % (split, samples - split))

    model = build_model(size, filters, layers)
    model.summary()
    start = time.time()
    history = model.fit(movies[:split], next_frames[:split], batch_size=batch_size, epochs=epochs,
                        verbose=verbose, validation_split=0.05)
    elapsed = time.time() - start
    print("training took %.2f s" % elapsed)

    test_movies, test_next = movies[split:], next_frames[split:]
    predicted = model.predict(test_movies, batch_size=batch_size)
    model_error = float(np.mean((predicted - test_next) ** 2))
    still_error = float(np.mean((np.round(test_movies) - test_next) ** 2))
    print("next-frame mean squared error on test movies: model %.4f, 'nothing moves' %.4f"
          % (model_error, still_error))

    known = frames // 2
    continued = continue_movie(model, test_movies[0], known, frames)
    truth = test_next[0, known - 1:frames - 1]          # clean frames known .. frames-1
    per_frame = np.mean((continued - truth) ** 2, axis=(1, 2, 3))
    print("continuing a test movie on its own after %d frames, squared error per frame:" % known,
          " ".join("%.3f" % error for error in per_frame))
    return {"history": history.history, "model_mse": model_error, "still_mse": still_error,
            "prediction_shape": predicted.shape, "continued_shape": continued.shape,
            "seconds": elapsed}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--samples", type=int, default=240)
    parser.add_argument("--size", type=int, default=15)
    args = parser.parse_args()
    main(args.epochs, args.samples, size=args.size)
