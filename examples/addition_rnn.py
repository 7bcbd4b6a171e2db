"""Sequence to sequence with recurrent layers: learn to add two numbers written as text.

The question "12+345" (padded with spaces to a fixed width) is read one character at a
time by an LSTM encoder; RepeatVector hands its final state to every step of an LSTM
decoder (return_sequences=True), and TimeDistributed(Dense(softmax)) picks one character
of the answer per step. The questions are generated here, so the program runs offline.
As in Keras' own addition example, the question is fed reversed, which shortens the
distance between the digits to add and the digits of the answer.

    python examples/addition_rnn.py [--epochs 30] [--samples 10000] [--digits 2] [--quick]
"""
import argparse
import time

import numpy as np

from keralite.models import Sequential
from keralite.layers import Dense, LSTM, RepeatVector, TimeDistributed


class CharacterTable:
    """One-hot encoding of strings over a fixed alphabet, and decoding back."""

    def __init__(self, alphabet):
        self.alphabet = sorted(set(alphabet))
        self.index_of = {char: i for i, char in enumerate(self.alphabet)}

    def encode(self, text, length):
        one_hot = np.zeros((length, len(self.alphabet)), dtype="float32")
        for position, char in enumerate(text):
            one_hot[position, self.index_of[char]] = 1.0
        return one_hot

    def decode(self, scores):
        return "".join(self.alphabet[i] for i in scores.argmax(axis=-1))


def make_questions(samples, digits, rng):
    """Distinct pairs a+b of numbers with up to `digits` digits, as padded strings."""
    question_length = 2 * digits + 1
    answer_length = digits + 1
    largest = 10 ** digits
    seen = set()
    questions, answers = [], []
    # Only (largest**2) distinct pairs exist; ask for at most that many.
    samples = min(samples, largest * largest)
    while len(questions) < samples:
        a, b = rng.randint(0, largest, size=2)
        if (a, b) in seen:
            continue
        seen.add((a, b))
        question = ("%d+%d" % (a, b)).ljust(question_length)
        questions.append(question[::-1])
        answers.append(str(a + b).ljust(answer_length))
    return questions, answers


def vectorize(questions, answers, table, digits):
    x = np.stack([table.encode(q, 2 * digits + 1) for q in questions])
    y = np.stack([table.encode(a, digits + 1) for a in answers])
    return x, y


def build_model(digits, alphabet_size, hidden_size=128, decoder_layers=1):
    model = Sequential()
    model.add(LSTM(hidden_size, input_shape=(2 * digits + 1, alphabet_size)))
    model.add(RepeatVector(digits + 1))
    for _ in range(decoder_layers):
        model.add(LSTM(hidden_size, return_sequences=True))
    model.add(TimeDistributed(Dense(alphabet_size, activation="softmax")))
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def main(epochs=30, samples=10000, digits=2, hidden_size=128, batch_size=128, seed=0, verbose=2):
    """Train and return a dict with the validation accuracy and the training history."""
    np.random.seed(seed)
    rng = np.random.RandomState(seed)
    table = CharacterTable("0123456789+ ")
    questions, answers = make_questions(samples, digits, rng)
    x, y = vectorize(questions, answers, table, digits)
    order = rng.permutation(len(x))
    x, y = x[order], y[order]
    split = len(x) - len(x) // 10
    x_train, x_val, y_train, y_val = x[:split], x[split:], y[:split], y[split:]
    print(len(x_train), "training questions,", len(x_val), "validation questions")

    model = build_model(digits, len(table.alphabet), hidden_size)
    model.summary()
    start = time.time()
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, verbose=verbose,
                        validation_data=(x_val, y_val))
    elapsed = time.time() - start
    print("training took %.2f s" % elapsed)

    predictions = model.predict(x_val[:10])
    for question, expected, scores in zip(x_val[:10], y_val[:10], predictions):
        guess = table.decode(scores)
        mark = "ok" if guess == table.decode(expected) else "--"
        asked = table.decode(question)[::-1]
        print("%s = %s  %s (answer %s)" % (asked, guess, mark, table.decode(expected)))

    loss, char_accuracy = model.evaluate(x_val, y_val, verbose=0)
    decoded_guesses = model.predict(x_val).argmax(axis=-1)
    answer_accuracy = float(np.mean(np.all(decoded_guesses == y_val.argmax(axis=-1), axis=1)))
    print("Validation loss:", loss)
    print("Validation accuracy (per character):", char_accuracy)
    print("Validation accuracy (whole answers):", answer_accuracy)
    return {"val_loss": loss, "val_acc": char_accuracy, "answer_acc": answer_accuracy,
            "history": history.history, "seconds": elapsed}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--samples", type=int, default=10000)
    parser.add_argument("--digits", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="a tiny run that checks the program works")
    args = parser.parse_args()
    if args.quick:
        main(epochs=2, samples=300, digits=1, hidden_size=16, batch_size=32)
    else:
        main(args.epochs, args.samples, args.digits)
