"""Character-level text generation with an LSTM, on a small text that ships with Python.

The text is The Zen of Python (the rot13-encoded string kept in the standard module
`this`), or with --source MODULE the docstrings of a standard module (e.g. `json`).
The model reads `maxlen` characters (one-hot) and predicts the next one. At the end of
some epochs a LambdaCallback writes new text: starting from a random piece of the text,
it repeatedly samples the next character from the predicted distribution, sharpened or
flattened by a temperature ("diversity"), and feeds it back in.

    python examples/lstm_text_generation_small.py [--epochs 40] [--source zen|MODULE]
"""
import argparse
import codecs
import contextlib
import importlib
import inspect
import io
import sys
import time

import numpy as np

from keralite.callbacks import LambdaCallback
from keralite.layers import Activation, Dense, LSTM
from keralite.models import Sequential
from keralite.optimizers import RMSprop


def load_text(source="zen"):
    """The Zen of Python, or the docstrings of the standard module named `source`."""
    if source == "zen":
        with contextlib.redirect_stdout(io.StringIO()):   # importing `this` prints the Zen
            import this
        return codecs.decode(this.s, "rot13")
    module = importlib.import_module(source)
    docstrings = [inspect.getdoc(module) or ""]
    for _, member in inspect.getmembers(module):
        if getattr(member, "__module__", None) == module.__name__ and inspect.getdoc(member):
            docstrings.append(inspect.getdoc(member))
    return "\n\n".join(docstrings)


def cut_sequences(text, maxlen, step, char_index):
    """Overlapping windows of `maxlen` characters (one-hot) and the character after each."""
    starts = range(0, len(text) - maxlen, step)
    x = np.zeros((len(starts), maxlen, len(char_index)), dtype="float32")
    y = np.zeros((len(starts), len(char_index)), dtype="float32")
    for row, start in enumerate(starts):
        for position, char in enumerate(text[start:start + maxlen]):
            x[row, position, char_index[char]] = 1.0
        y[row, char_index[text[start + maxlen]]] = 1.0
    return x, y


def sample(probabilities, temperature, rng):
    """An index drawn from `probabilities` raised to the power 1/temperature (renormalised)."""
    logits = np.log(np.maximum(probabilities.astype("float64"), 1e-12)) / temperature
    weights = np.exp(logits - logits.max())
    return rng.choice(len(weights), p=weights / weights.sum())


def generate(model, text, maxlen, chars, char_index, length, temperature, rng):
    """`length` new characters continuing a random window of `text`."""
    start = rng.randint(0, len(text) - maxlen)
    window = text[start:start + maxlen]
    seed = window
    generated = []
    for _ in range(length):
        x = np.zeros((1, maxlen, len(chars)), dtype="float32")
        for position, char in enumerate(window):
            x[0, position, char_index[char]] = 1.0
        next_char = chars[sample(model.predict(x, verbose=0)[0], temperature, rng)]
        generated.append(next_char)
        window = window[1:] + next_char
    return seed, "".join(generated)


def main(epochs=40, samples=None, source="zen", maxlen=20, step=1, units=128, batch_size=64,
         generate_length=120, show_every=10, diversities=(0.2, 0.5, 1.0, 1.2), seed=0, verbose=2):
    """Train on the text (its first `samples` windows when given); return a dict with the
    training history and the samples written at the last epoch, keyed by diversity."""
    np.random.seed(seed)
    rng = np.random.RandomState(seed)
    text = load_text(source)
    chars = sorted(set(text))
    char_index = {char: i for i, char in enumerate(chars)}
    x, y = cut_sequences(text, maxlen, step, char_index)
    if samples is not None:
        x, y = x[:samples], y[:samples]
    print("corpus length:", len(text), " distinct characters:", len(chars), " sequences:", len(x))

    model = Sequential()
    model.add(LSTM(units, input_shape=(maxlen, len(chars))))
    model.add(Dense(len(chars)))
    model.add(Activation("softmax"))
    model.compile(loss="categorical_crossentropy", optimizer=RMSprop(lr=0.01))
    model.summary()

    written = {}

    def write_samples(epoch, logs):
        last_epoch = epoch + 1 == epochs
        if (epoch + 1) % show_every and not last_epoch:
            return
        print("\n----- text written after epoch %d (loss %.4f)" % (epoch + 1, logs["loss"]))
        for diversity in diversities:
            seed_text, new_text = generate(model, text, maxlen, chars, char_index, generate_length,
                                           diversity, rng)
            print("----- diversity %.1f, seed %r" % (diversity, seed_text))
            print(seed_text + new_text)
            written[diversity] = new_text
        sys.stdout.flush()

    start = time.time()
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose,
                        callbacks=[LambdaCallback(on_epoch_end=write_samples)])
    elapsed = time.time() - start
    print("training (and writing) took %.2f s, final loss %.4f" % (elapsed, history.history["loss"][-1]))
    return {"history": history.history, "written": written, "alphabet": chars, "seconds": elapsed}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--source", default="zen", help="'zen' or the name of a standard module")
    args = parser.parse_args()
    main(args.epochs, args.samples, args.source)
