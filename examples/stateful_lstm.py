"""A stateful LSTM that learns a moving average of a random signal, one value at a time.

The signal is uniform noise; the target at time t is the mean of its last `window`
values. A stateful LSTM (fixed batch_input_shape, stateful=True) sees a single value per
sample, so to get the average right it has to carry the earlier values in its state from
one batch to the next: the samples go in time order (shuffle=False) and the states are
reset only between epochs, by hand. For comparison a stateless LSTM is given the whole
window in each sample and needs no memory across samples.

Both are measured against the guess that ignores the past, value[t] / window.

    python examples/stateful_lstm.py [--epochs 10] [--samples 1000] [--window 2] [--batch-size 1]
"""
import argparse
import time

import numpy as np

from keralite.layers import Dense, LSTM
from keralite.models import Sequential


def make_signal(samples, window, rng):
    """The signal (samples,) and its moving average over `window` values (the first
    window-1 averages are over the values seen so far, padded with zeros)."""
    signal = rng.uniform(-0.1, 0.1, size=samples).astype("float32")
    padded = np.concatenate([np.zeros(window - 1, dtype="float32"), signal])
    average = np.convolve(padded, np.ones(window, dtype="float32") / window, mode="valid")
    return signal, average.astype("float32")


def windows(signal, steps):
    """Sample t holds values t-steps+1 .. t of the signal (zeros before its start)."""
    padded = np.concatenate([np.zeros(steps - 1, dtype="float32"), signal])
    return np.stack([padded[t:t + steps] for t in range(len(signal))])[..., np.newaxis]


def interleave(values, streams):
    """Cut `values` into `streams` equal contiguous pieces and order them so that row i
    of every batch of `streams` samples continues row i of the batch before."""
    pieces = values.reshape((streams, len(values) // streams) + values.shape[1:])
    return pieces.swapaxes(0, 1).reshape(values.shape)


def deinterleave(values, streams):
    """The inverse of interleave: back to time order."""
    steps = values.reshape((len(values) // streams, streams) + values.shape[1:])
    return steps.swapaxes(0, 1).reshape(values.shape)


def build_model(stateful, steps, units, batch_size):
    model = Sequential()
    if stateful:
        model.add(LSTM(units, batch_input_shape=(batch_size, steps, 1), stateful=True))
    else:
        model.add(LSTM(units, input_shape=(steps, 1)))
    model.add(Dense(1))
    model.compile(loss="mse", optimizer="adam")
    return model


def train_stateful(x_train, y_train, x_test, epochs, units, batch_size, verbose):
    model = build_model(True, 1, units, batch_size)
    model.summary()
    # With batch_size > 1 the signal runs as batch_size parallel streams, one per row.
    x_train, y_train = interleave(x_train, batch_size), interleave(y_train, batch_size)
    losses = []
    for epoch in range(epochs):
        print("stateful: epoch %d/%d" % (epoch + 1, epochs))
        history = model.fit(x_train, y_train, batch_size=batch_size, epochs=1, verbose=verbose,
                            shuffle=False)
        losses.append(history.history["loss"][0])
        model.reset_states()
    # The states start from zero on the test part too: only each stream's first value
    # has no past.
    predicted = model.predict(interleave(x_test, batch_size), batch_size=batch_size)[:, 0]
    return model, losses, deinterleave(predicted, batch_size)


def train_stateless(x_train, y_train, x_test, epochs, units, batch_size, verbose):
    model = build_model(False, x_train.shape[1], units, batch_size)
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=verbose,
                        shuffle=True)
    return model, history.history["loss"], model.predict(x_test, batch_size=batch_size)[:, 0]


def main(epochs=10, samples=1000, window=2, units=20, batch_size=1, seed=0, verbose=2):
    """Train both models; return a dict with their test mean squared errors, the error of
    value[t] / window, and the stateful model's training loss per epoch."""
    np.random.seed(seed)
    rng = np.random.RandomState(seed)
    signal, average = make_signal(samples, window, rng)
    # The stateful model needs whole batches: the split point and the end are multiples.
    split = int(0.8 * samples) // batch_size * batch_size
    end = samples // batch_size * batch_size
    y_train, y_test = average[:split], average[split:end]
    print("signal of %d values, %d to train, %d to test; target: mean of the last %d values"
          % (samples, split, end - split, window))

    single_values = signal[:, np.newaxis, np.newaxis]
    start = time.time()
    _, stateful_losses, stateful_predicted = train_stateful(
        single_values[:split], y_train, single_values[split:end], epochs, units, batch_size, verbose)
    stateful_seconds = time.time() - start
    start = time.time()
    whole_windows = windows(signal, window)
    _, _, stateless_predicted = train_stateless(whole_windows[:split], y_train,
                                                whole_windows[split:end], epochs, units, batch_size,
                                                verbose)
    stateless_seconds = time.time() - start

    stateful_mse = float(np.mean((stateful_predicted - y_test) ** 2))
    stateless_mse = float(np.mean((stateless_predicted - y_test) ** 2))
    memoryless_mse = float(np.mean((signal[split:end] / window - y_test) ** 2))
    print("training took %.2f s (stateful) and %.2f s (stateless)"
          % (stateful_seconds, stateless_seconds))
    print("test mean squared error: stateful %.6f, stateless %.6f, value[t]/%d %.6f"
          % (stateful_mse, stateless_mse, window, memoryless_mse))
    return {"stateful_mse": stateful_mse, "stateless_mse": stateless_mse,
            "memoryless_mse": memoryless_mse, "stateful_losses": stateful_losses,
            "seconds": stateful_seconds + stateless_seconds}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--window", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=1)
    args = parser.parse_args()
    main(args.epochs, args.samples, args.window, batch_size=args.batch_size)
