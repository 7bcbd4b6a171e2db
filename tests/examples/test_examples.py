"""The recurrent example programs in examples/, run small: each `main` trains for a few
epochs on a tiny generated or bundled data set, and the test checks what it returns
(loss going down, accuracy above chance, shapes). One program also runs as a script."""
import importlib.util
import pathlib
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("sklearn")

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"


def load_example(name):
    """The module examples/<name>.py (examples/ is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location("example_" + name, EXAMPLES / (name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_addition_rnn_learns_some_sums():
    addition = load_example("addition_rnn")
    result = addition.main(epochs=30, samples=100, digits=1, hidden_size=32, batch_size=10, verbose=0)
    losses = result["history"]["loss"]
    assert losses[-1] < 0.8 * losses[0]
    # 12 characters; the answers' second character is mostly a space, the first is a digit.
    assert result["val_acc"] > 0.3


def test_addition_character_table_round_trip():
    addition = load_example("addition_rnn")
    table = addition.CharacterTable("0123456789+ ")
    encoded = table.encode("12+7 ", 5)
    assert encoded.shape == (5, 12) and encoded.sum() == 5
    assert table.decode(encoded) == "12+7 "
    questions, answers = addition.make_questions(30, 2, np.random.RandomState(3))
    for question, answer in zip(questions, answers):
        a, b = question[::-1].strip().split("+")
        assert int(answer) == int(a) + int(b) and len(question) == 5 and len(answer) == 3


@pytest.mark.parametrize("kind", ["lstm", "bidirectional", "cnn_lstm"])
def test_imdb_models_beat_chance_on_synthetic_reviews(kind):
    imdb = load_example("imdb_lstm_synthetic")
    result = imdb.main(epochs=4, samples=600, model=kind, max_features=60, maxlen=24, embedding_size=16,
                       units=16, verbose=0)
    assert list(result) == [kind]
    losses = result[kind]["history"]["loss"]
    assert losses[-1] < losses[0]
    assert result[kind]["test_acc"] > 0.6


def test_synthetic_reviews_are_labelled_by_their_telling_words():
    imdb = load_example("imdb_lstm_synthetic")
    reviews, labels = imdb.make_reviews(50, 100, 7, 12, np.random.RandomState(1), telling_words=4)
    for review, label in zip(reviews, labels):
        positive = sum(2 <= word < 6 for word in review)
        negative = sum(6 <= word < 10 for word in review)
        assert positive != negative and label == (positive > negative)


@pytest.mark.parametrize("kind", ["irnn", "hierarchical"])
def test_digit_rnns_beat_chance(kind):
    digits = load_example("mnist_irnn_digits")
    result = digits.main(epochs=12, samples=500, model=kind, hidden_units=24, learning_rate=1e-2,
                         verbose=0)
    assert result[kind]["history"]["loss"][-1] < result[kind]["history"]["loss"][0]
    assert result[kind]["test_acc"] > 0.4            # ten classes: chance is 0.1


def test_text_generation_writes_text_from_the_alphabet():
    text_generation = load_example("lstm_text_generation_small")
    result = text_generation.main(epochs=3, samples=300, maxlen=8, units=32, generate_length=15,
                                  show_every=2, diversities=(0.5, 1.2), verbose=0)
    losses = result["history"]["loss"]
    assert len(losses) == 3 and losses[-1] < losses[0]
    assert sorted(result["written"]) == [0.5, 1.2]
    for text in result["written"].values():
        assert len(text) == 15 and set(text) <= set(result["alphabet"])


def test_text_sampling_follows_temperature():
    text_generation = load_example("lstm_text_generation_small")
    rng = np.random.RandomState(0)
    probabilities = np.array([0.1, 0.6, 0.3], dtype="float32")
    cold = [text_generation.sample(probabilities, 0.05, rng) for _ in range(50)]
    assert cold == [1] * 50
    hot = [text_generation.sample(probabilities, 5.0, rng) for _ in range(300)]
    assert set(hot) == {0, 1, 2}
    assert "Beautiful is better than ugly." in text_generation.load_text("zen")


def test_moving_squares_move_one_pixel_per_frame():
    movies_module = load_example("conv_lstm_movies")
    movies, next_frames = movies_module.make_movies(6, 5, 9, np.random.RandomState(2))
    assert movies.shape == next_frames.shape == (6, 5, 9, 9, 1)
    assert 0.0 <= movies.min() and movies.max() <= 1.0
    # The input frame t + 1, without its noise, is the target of frame t.
    np.testing.assert_array_equal(np.round(movies[:, 1:]), next_frames[:, :-1])


def test_conv_lstm_predicts_next_frames():
    movies_module = load_example("conv_lstm_movies")
    result = movies_module.main(epochs=2, samples=30, frames=4, size=7, filters=4, layers=1,
                                batch_size=5, verbose=0)
    assert result["prediction_shape"] == (3, 4, 7, 7, 1)
    assert result["continued_shape"] == (2, 7, 7, 1)
    assert result["history"]["loss"][-1] < result["history"]["loss"][0]


@pytest.mark.parametrize("batch_size, epochs", [(1, 4), (4, 16)])   # about 1000 updates each
def test_stateful_lstm_remembers_the_previous_value(batch_size, epochs):
    stateful = load_example("stateful_lstm")
    result = stateful.main(epochs=epochs, samples=300, window=2, units=8, batch_size=batch_size,
                           verbose=0)
    assert len(result["stateful_losses"]) == epochs
    # value[t] / 2 ignores the past; only a model that kept value[t-1] in its state does better.
    assert result["stateful_mse"] < result["memoryless_mse"]
    assert result["stateless_mse"] < result["memoryless_mse"]


def test_moving_average_targets():
    stateful = load_example("stateful_lstm")
    signal, average = stateful.make_signal(6, 3, np.random.RandomState(0))
    np.testing.assert_allclose(average[2:], [signal[t - 2:t + 1].mean() for t in range(2, 6)], rtol=1e-6)
    np.testing.assert_allclose(average[0], signal[0] / 3, rtol=1e-6)
    assert stateful.windows(signal, 3).shape == (6, 3, 1)
    values = np.arange(12)
    streams = stateful.interleave(values, 3)              # 3 streams of 4 steps each
    np.testing.assert_array_equal(streams[:6], [0, 4, 8, 1, 5, 9])
    np.testing.assert_array_equal(stateful.deinterleave(streams, 3), values)


def test_addition_script_runs_from_the_command_line():
    completed = subprocess.run([sys.executable, str(EXAMPLES / "addition_rnn.py"), "--quick"],
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert "Validation accuracy (per character):" in completed.stdout
