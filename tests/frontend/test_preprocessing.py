"""keralite.preprocessing: sequence, text and image helpers."""
import hashlib
import math
import os
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from keralite.engine.sequential import Sequential
from keralite.layers import Dense, Flatten
from keralite.preprocessing import image, sequence, text


# ----------------------------------------------------------------------------- sequence
def test_pad_sequences_by_hand():
    seqs = [[1, 2, 3], [4], [5, 6, 7, 8, 9]]
    np.testing.assert_array_equal(sequence.pad_sequences(seqs, maxlen=4),
                                  [[0, 1, 2, 3], [0, 0, 0, 4], [6, 7, 8, 9]])
    np.testing.assert_array_equal(sequence.pad_sequences(seqs, maxlen=4, padding="post", truncating="post"),
                                  [[1, 2, 3, 0], [4, 0, 0, 0], [5, 6, 7, 8]])
    padded = sequence.pad_sequences([[1], []], value=-1, dtype="float32")
    assert padded.dtype == np.float32
    np.testing.assert_array_equal(padded, [[1], [-1]])
    assert sequence.pad_sequences(seqs).shape == (3, 5)
    assert sequence.pad_sequences(seqs).dtype == np.int32
    assert sequence.pad_sequences(seqs, maxlen=0).shape == (3, 0)


def test_pad_sequences_of_vectors_and_errors():
    seqs = [np.ones((2, 3)), np.full((1, 3), 2.0)]
    padded = sequence.pad_sequences(seqs, dtype="float32")
    assert padded.shape == (2, 2, 3)
    np.testing.assert_array_equal(padded[1], [[0, 0, 0], [2, 2, 2]])
    with pytest.raises(ValueError, match="Shape of sample \\(2,\\) of sequence at position 1 is different"):
        sequence.pad_sequences([np.ones((2, 3)), np.ones((1, 2))])
    with pytest.raises(ValueError, match="Truncating type \"middle\" not understood"):
        sequence.pad_sequences([[1]], truncating="middle")
    with pytest.raises(ValueError, match="Padding type \"both\" not understood"):
        sequence.pad_sequences([[1]], padding="both")
    with pytest.raises(ValueError, match="`sequences` must be a list of iterables. Found non-iterable: 3"):
        sequence.pad_sequences([[1], 3])
    with pytest.raises(ValueError, match="`sequences` must be iterable."):
        sequence.pad_sequences(5)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.integers(1, 50), max_size=7), min_size=1, max_size=5), st.integers(1, 8),
       st.sampled_from(["pre", "post"]), st.sampled_from(["pre", "post"]))
def test_pad_sequences_against_lists(seqs, maxlen, padding, truncating):
    result = sequence.pad_sequences(seqs, maxlen=maxlen, padding=padding, truncating=truncating)
    for row, seq in zip(result, seqs):
        kept = seq[len(seq) - maxlen:] if (truncating == "pre" and len(seq) > maxlen) else seq[:maxlen]
        fill = [0] * (maxlen - len(kept))
        assert list(row) == (fill + kept if padding == "pre" else kept + fill)


def test_skipgrams_by_hand():
    couples, labels = sequence.skipgrams([1, 2, 0, 3], vocabulary_size=5, window_size=1, negative_samples=0,
                                         shuffle=False)
    # word 0 is padding: neither a centre nor a context word
    assert couples == [[1, 2], [2, 1]]
    assert labels == [1, 1]
    couples, labels = sequence.skipgrams([1, 2, 3], vocabulary_size=5, window_size=2, negative_samples=1.,
                                         categorical=True, seed=3)
    positives = [c for c, label in zip(couples, labels) if label == [0, 1]]
    negatives = [c for c, label in zip(couples, labels) if label == [1, 0]]
    assert sorted(positives) == [[1, 2], [1, 3], [2, 1], [2, 3], [3, 1], [3, 2]]
    assert len(negatives) == 6
    assert all(first in (1, 2, 3) and 1 <= second <= 4 for first, second in negatives)
    # a table of zeros keeps no centre word
    assert sequence.skipgrams([1, 2, 3], 5, sampling_table=np.zeros(5)) == ([], [])


def test_make_sampling_table_by_hand():
    table = sequence.make_sampling_table(1000, sampling_factor=1e-3)
    assert table.shape == (1000,)
    for rank in (1, 10, 999):
        # word2vec: keep probability sqrt(t / f) with Zipf frequency f(r) = 1 / (r (ln r + gamma))
        inverse_frequency = rank * (math.log(rank) + 0.577) + 0.5 - 1 / (12 * rank)
        assert table[rank] == pytest.approx(min(1.0, math.sqrt(1e-3 * inverse_frequency)))
    assert np.all(np.diff(table[1:]) >= 0)


def test_timeseries_generator_keras_example():
    data = np.array([[i] for i in range(50)])
    targets = np.array([[i] for i in range(50)])
    generator = sequence.TimeseriesGenerator(data, targets, length=10, sampling_rate=2, batch_size=2)
    assert len(generator) == 20
    x, y = generator[0]
    np.testing.assert_array_equal(x, [[[0], [2], [4], [6], [8]], [[1], [3], [5], [7], [9]]])
    np.testing.assert_array_equal(y, [[10], [11]])
    x, y = generator[len(generator) - 1]
    np.testing.assert_array_equal(y, [[48], [49]])  # the last step is a target too
    np.testing.assert_array_equal(x[-1, :, 0], [39, 41, 43, 45, 47])


def test_timeseries_generator_options():
    data = np.arange(20, dtype="float32").reshape(20, 1)
    targets = np.arange(20) * 10
    generator = sequence.TimeseriesGenerator(data, targets, length=3, stride=4, start_index=2, end_index=15,
                                             batch_size=2, reverse=True)
    assert len(generator) == 2  # targets at steps 5, 9, 13
    x, y = generator[0]
    np.testing.assert_array_equal(y, [50, 90])
    np.testing.assert_array_equal(x[:, :, 0], [[4, 3, 2], [8, 7, 6]])
    np.testing.assert_array_equal(generator[1][1], [130])
    shuffled = sequence.TimeseriesGenerator(data, targets, length=3, shuffle=True, batch_size=5)
    _, y = shuffled[0]
    assert len(y) == 5 and all(30 <= t <= 190 for t in y)
    with pytest.raises(ValueError, match="Data and targets have to be of same length"):
        sequence.TimeseriesGenerator(data, targets[:5], length=3)
    with pytest.raises(ValueError, match="`start_index\\+length=25 > end_index=19` is disallowed"):
        sequence.TimeseriesGenerator(data, targets, length=25)


def test_timeseries_generator_trains_a_model():
    data = np.random.rand(30, 2).astype("float32")
    generator = sequence.TimeseriesGenerator(data, data[:, :1], length=4, batch_size=8)
    model = Sequential([Flatten(input_shape=(4, 2)), Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit_generator(generator, epochs=2, verbose=0, workers=0)
    assert len(history.history["loss"]) == 2


# ----------------------------------------------------------------------------- text
def test_text_to_word_sequence():
    assert text.text_to_word_sequence("Hello, World!  This is-a TEST.") == ["hello", "world", "this", "is", "a",
                                                                           "test"]
    assert text.text_to_word_sequence("a;b c", filters="", lower=False, split=";") == ["a", "b c"]


def test_one_hot_and_hashing_trick():
    indices = text.one_hot("the cat and the hat", 10)
    assert len(indices) == 5 and all(1 <= i <= 9 for i in indices)
    assert indices[0] == indices[3]
    hashed = text.hashing_trick("The cat", 7, hash_function="md5")
    expected = [int(hashlib.md5(w.encode()).hexdigest(), 16) % 6 + 1 for w in ("the", "cat")]
    assert hashed == expected
    assert text.hashing_trick("a bb", 5, hash_function=len) == [2, 3]


CORPUS = ["The cat sat on the mat.", "The dog sat.", "A cat and a dog!"]


def test_tokenizer_vocabulary_by_hand():
    tokenizer = text.Tokenizer()
    tokenizer.fit_on_texts(CORPUS)
    # counts: the 3, cat 2, sat 2, dog 2, a 2, on 1, mat 1, and 1; equal counts keep the
    # order in which the words first appear (... on mat dog a and)
    assert tokenizer.word_index == {"the": 1, "cat": 2, "sat": 3, "dog": 4, "a": 5, "on": 6, "mat": 7, "and": 8}
    assert tokenizer.document_count == 3
    assert tokenizer.word_docs["the"] == 2 and tokenizer.word_docs["cat"] == 2
    assert tokenizer.texts_to_sequences(["the dog and the bird"]) == [[1, 4, 8, 1]]
    limited = text.Tokenizer(num_words=4)
    limited.fit_on_texts(CORPUS)
    assert limited.texts_to_sequences(["the dog sat on a cat"]) == [[1, 3, 2]]
    with_oov = text.Tokenizer(oov_token="<unk>")
    with_oov.fit_on_texts(CORPUS)
    assert with_oov.word_index["<unk>"] == 9
    assert with_oov.texts_to_sequences(["the bird"]) == [[1, 9]]


def test_tokenizer_matrices_by_hand():
    tokenizer = text.Tokenizer(num_words=6)
    tokenizer.fit_on_texts(CORPUS)
    seqs = [[1, 1, 2], [5, 3]]
    np.testing.assert_array_equal(tokenizer.sequences_to_matrix(seqs, mode="binary"),
                                  [[0, 1, 1, 0, 0, 0], [0, 0, 0, 1, 0, 1]])
    np.testing.assert_array_equal(tokenizer.sequences_to_matrix(seqs, mode="count"),
                                  [[0, 2, 1, 0, 0, 0], [0, 0, 0, 1, 0, 1]])
    np.testing.assert_allclose(tokenizer.sequences_to_matrix(seqs, mode="freq"),
                               [[0, 2 / 3, 1 / 3, 0, 0, 0], [0, 0, 0, .5, 0, .5]])
    tfidf = tokenizer.sequences_to_matrix([[1, 1]], mode="tfidf")
    # "the" appears twice here and in 2 of the 3 documents
    assert tfidf[0, 1] == pytest.approx((1 + math.log(2)) * math.log(1 + 3 / (1 + 2)))
    assert tokenizer.texts_to_matrix(["cat cat"], mode="count")[0, 2] == 2
    with pytest.raises(ValueError, match="Unknown vectorization mode"):
        tokenizer.sequences_to_matrix(seqs, mode="bogus")
    with pytest.raises(ValueError, match="Specify a dimension"):
        text.Tokenizer().sequences_to_matrix(seqs)
    with pytest.raises(ValueError, match="Fit the Tokenizer on some data before using tfidf mode."):
        text.Tokenizer(num_words=3).sequences_to_matrix(seqs, mode="tfidf")
    on_sequences = text.Tokenizer(num_words=6)
    on_sequences.fit_on_sequences([[1, 2], [1]])
    assert on_sequences.index_docs == {1: 2, 2: 1} and on_sequences.document_count == 2


def test_tokenizer_char_level_and_lists():
    tokenizer = text.Tokenizer(char_level=True)
    tokenizer.fit_on_texts(["abca"])
    assert tokenizer.word_index == {"a": 1, "b": 2, "c": 3}
    words = text.Tokenizer()
    words.fit_on_texts([["Hello", "world"], ["hello"]])
    assert words.word_index == {"hello": 1, "world": 2}


# ----------------------------------------------------------------------------- image
try:
    import scipy.ndimage
    HAVE_SCIPY = scipy.ndimage is not None
except ImportError:
    HAVE_SCIPY = False
needs_scipy = pytest.mark.skipif(not HAVE_SCIPY, reason="affine transforms need SciPy")

def _ramp(h=4, w=5, c=3):
    return np.arange(h * w * c, dtype="float32").reshape(h, w, c)


def test_flip_and_channel_shift():
    x = _ramp()
    np.testing.assert_array_equal(image.flip_axis(x, 1), x[:, ::-1, :])
    shifted = image.random_channel_shift(x, 5.0, channel_axis=2)
    offsets = (shifted - x)[1:-1, 1:-1].reshape(-1, 3)
    assert np.all(np.abs(offsets) <= 5.0)
    assert shifted.min() >= x.min() and shifted.max() <= x.max()


@needs_scipy
def test_apply_transform_by_hand():
    x = _ramp(5, 5, 2)
    identity = np.eye(3)
    np.testing.assert_array_equal(image.apply_transform(x, identity, channel_axis=2), x)
    # the matrix maps output to input coordinates: a shift of 2 rows reads 2 rows further
    shift = np.array([[1, 0, 2], [0, 1, 0], [0, 0, 1]])
    moved = image.apply_transform(x, shift, channel_axis=2, fill_mode="constant", cval=-1)
    np.testing.assert_array_equal(moved[:3], x[2:])
    assert np.all(moved[3:] == -1)
    nearest = image.apply_transform(x, shift, channel_axis=2, fill_mode="nearest")
    np.testing.assert_array_equal(nearest[3:], np.stack([x[4], x[4]]))


@needs_scipy
def test_rotation_about_the_centre_by_hand():
    x = _ramp(5, 5, 1)
    quarter = np.array([[0., -1, 0], [1, 0, 0], [0, 0, 1]])  # theta = 90 degrees
    matrix = image.transform_matrix_offset_center(quarter, 5, 5)
    # output (r, c) reads input (4 - c, r): a clockwise quarter turn
    np.testing.assert_array_equal(image.apply_transform(x, matrix, channel_axis=2), np.rot90(x, -1))
    half = image.transform_matrix_offset_center(np.diag([-1., -1, 1]), 4, 6)
    y = _ramp(4, 6, 1)
    np.testing.assert_array_equal(image.apply_transform(y, half, channel_axis=2), y[::-1, ::-1])


@needs_scipy
def test_random_transform_functions_keep_shape_and_constant_images():
    x = np.full((6, 7, 3), 9.0)
    for transformed in (image.random_rotation(x, 40, 0, 1, 2), image.random_shift(x, 0.2, 0.3, 0, 1, 2),
                        image.random_shear(x, 20, 0, 1, 2), image.random_zoom(x, (0.7, 1.3), 0, 1, 2)):
        np.testing.assert_array_equal(transformed, x)
    with pytest.raises(ValueError, match="`zoom_range` should be a tuple or list of two floats"):
        image.random_zoom(x, (1, 2, 3))
    brighter = image.random_brightness(np.full((2, 2, 1), 100.0), (1.5, 1.5))
    np.testing.assert_allclose(brighter, 150.0)
    np.testing.assert_allclose(image.random_brightness(np.full((1, 1, 1), 200.0), (2, 2)), 255.0)


def test_apply_transform_without_scipy(monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy", None)
    with pytest.raises(ImportError, match="Image transformations require SciPy"):
        image.apply_transform(np.zeros((2, 2, 1)), np.eye(3), channel_axis=2)


def test_generator_flips_only_when_asked():
    x = _ramp()
    flipper = image.ImageDataGenerator(horizontal_flip=True)
    seen = set()
    for seed in range(20):
        out = flipper.random_transform(x.copy(), seed=seed)
        assert np.array_equal(out, x) or np.array_equal(out, x[:, ::-1])
        seen.add(np.array_equal(out, x))
    assert seen == {True, False}
    np.testing.assert_array_equal(image.ImageDataGenerator().random_transform(x.copy()), x)


@needs_scipy
def test_generator_shift_in_whole_pixels():
    x = _ramp(6, 6, 1)
    shifter = image.ImageDataGenerator(width_shift_range=2, fill_mode="constant", cval=-1)
    for seed in range(10):
        out = shifter.random_transform(x.copy(), seed=seed)
        # an integer range shifts by whole columns: every column is a column of x or filled
        columns = {tuple(x[:, j, 0]) for j in range(6)} | {(-1.0,) * 6}
        assert all(tuple(out[:, j, 0]) in columns for j in range(6))


def test_standardize_samplewise_and_rescale():
    generator = image.ImageDataGenerator(rescale=0.5, samplewise_center=True, samplewise_std_normalization=True)
    x = np.random.rand(4, 5, 3).astype("float32") * 10
    out = generator.standardize(x.copy())
    expected = x * 0.5
    expected = (expected - expected.mean()) / (expected.std() + 1e-7)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_featurewise_statistics(data_format):
    images = np.random.rand(10, 4, 5, 3).astype("float32") * 3
    if data_format == "channels_first":
        images = images.transpose(0, 3, 1, 2)
    channel_axis = 3 if data_format == "channels_last" else 1
    axes = tuple(a for a in range(4) if a != channel_axis)
    generator = image.ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                                         data_format=data_format)
    generator.fit(images)
    np.testing.assert_allclose(generator.mean.reshape(-1), images.mean(axis=axes), rtol=1e-5)
    np.testing.assert_allclose(generator.std.reshape(-1), images.std(axis=axes), rtol=1e-4)
    normalised = np.stack([generator.standardize(img.copy()) for img in images])
    np.testing.assert_allclose(normalised.mean(axis=axes), 0, atol=1e-5)
    np.testing.assert_allclose(normalised.std(axis=axes), 1, atol=1e-4)


def test_zca_whitening_decorrelates():
    rng = np.random.RandomState(1)
    base = rng.rand(200, 1)
    images = (base + 0.1 * rng.rand(200, 8)).reshape(200, 2, 4, 1).astype("float32")
    with pytest.warns(UserWarning, match="overrides setting of `featurewise_center`"):
        generator = image.ImageDataGenerator(zca_whitening=True, zca_epsilon=1e-8)
    generator.fit(images)
    white = np.stack([generator.standardize(img.copy()) for img in images]).reshape(200, -1)
    covariance = white.T @ white / len(white)
    np.testing.assert_allclose(covariance, np.eye(8), atol=2e-2)


def test_generator_argument_errors_and_warnings():
    with pytest.raises(ValueError, match="`zoom_range` should be a float or a tuple or list of two floats"):
        image.ImageDataGenerator(zoom_range=(1, 2, 3))
    with pytest.raises(ValueError, match="`validation_split` must be strictly between 0 and 1"):
        image.ImageDataGenerator(validation_split=1.5)
    with pytest.raises(ValueError, match="`data_format` should be"):
        image.ImageDataGenerator(data_format="nchw")
    with pytest.raises(ValueError, match="Input to `.fit\\(\\)` should have rank 4"):
        image.ImageDataGenerator(featurewise_center=True).fit(np.zeros((2, 3, 3)))
    with pytest.warns(UserWarning, match="hasn't been fit on any training data"):
        image.ImageDataGenerator(featurewise_center=True).standardize(np.zeros((2, 2, 1)))


def test_flow_batches_keep_labels_aligned():
    images = np.arange(10, dtype="float32")[:, None, None, None] * np.ones((1, 3, 3, 1), "float32")
    labels = np.arange(10)
    iterator = image.ImageDataGenerator(horizontal_flip=True).flow(images, labels, batch_size=4, seed=1)
    assert len(iterator) == 3
    seen = []
    for _ in range(3):
        batch_x, batch_y = next(iterator)
        np.testing.assert_array_equal(batch_x[:, 0, 0, 0], batch_y)
        seen.extend(batch_y)
    assert sorted(seen) == list(range(10))
    batch_x, batch_y = iterator[2]  # by index too (it is a Sequence)
    assert len(batch_y) == 2
    x_only = image.ImageDataGenerator().flow(images, batch_size=5, shuffle=False)
    np.testing.assert_array_equal(next(x_only)[:, 0, 0, 0], [0, 1, 2, 3, 4])
    with pytest.raises(ValueError, match="Asked to retrieve element 2, but the Sequence has length 2"):
        x_only[2]
    with pytest.raises(ValueError, match="should have the same length"):
        image.ImageDataGenerator().flow(images, labels[:3])


def test_flow_validation_split_and_extra_inputs():
    images = np.zeros((10, 2, 2, 1), "float32")
    labels = np.arange(10)
    generator = image.ImageDataGenerator(validation_split=0.3)
    validation = generator.flow(images, labels, batch_size=10, shuffle=False, subset="validation")
    training = generator.flow(images, labels, batch_size=10, shuffle=False, subset="training")
    np.testing.assert_array_equal(next(validation)[1], [0, 1, 2])
    np.testing.assert_array_equal(next(training)[1], np.arange(3, 10))
    extra = np.arange(10) * 2
    (batch_x, batch_extra), batch_y = next(generator.flow((images, extra), labels, batch_size=4, shuffle=False))
    np.testing.assert_array_equal(batch_extra, [0, 2, 4, 6])


def test_fit_generator_on_augmented_images():
    images = np.random.rand(16, 4, 4, 1).astype("float32")
    targets = images.mean(axis=(1, 2, 3))[:, None]
    model = Sequential([Flatten(input_shape=(4, 4, 1)), Dense(1)])
    model.compile("sgd", "mse")
    flow = image.ImageDataGenerator(horizontal_flip=True).flow(images, targets, batch_size=8)
    history = model.fit_generator(flow, epochs=2, verbose=0, workers=2)
    assert len(history.history["loss"]) == 2


def test_pil_conversions():
    pytest.importorskip("PIL")
    x = np.random.randint(0, 256, size=(4, 6, 3)).astype("float32")
    img = image.array_to_img(x, scale=False)
    assert img.size == (6, 4) and img.mode == "RGB"
    np.testing.assert_array_equal(image.img_to_array(img), x)
    np.testing.assert_array_equal(image.img_to_array(img, data_format="channels_first"), x.transpose(2, 0, 1))
    gray = image.array_to_img(np.linspace(-1, 1, 12).reshape(3, 4, 1))
    assert gray.mode == "L"
    values = image.img_to_array(gray)
    assert values.shape == (3, 4, 1) and values.min() == 0 and values.max() == 255
    with pytest.raises(ValueError, match="Expected image array to have rank 3"):
        image.array_to_img(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="Unsupported channel number"):
        image.array_to_img(np.zeros((2, 2, 2)))


def _write_images(folder, count, color):
    from PIL import Image
    os.makedirs(folder, exist_ok=True)
    for i in range(count):
        Image.new("RGB", (8, 6), color).save(os.path.join(folder, "img%d.png" % i))


def test_flow_from_directory(tmp_path, capsys):
    pytest.importorskip("PIL")
    _write_images(str(tmp_path / "cats"), 3, (255, 0, 0))
    _write_images(str(tmp_path / "dogs"), 2, (0, 0, 255))
    (tmp_path / "dogs" / "notes.txt").write_text("not an image")
    generator = image.ImageDataGenerator(rescale=1 / 255.)
    iterator = generator.flow_from_directory(str(tmp_path), target_size=(3, 4), batch_size=5, shuffle=False)
    assert "Found 5 images belonging to 2 classes." in capsys.readouterr().out
    assert iterator.class_indices == {"cats": 0, "dogs": 1}
    assert iterator.filenames == [os.path.join("cats", "img%d.png" % i) for i in range(3)] + \
        [os.path.join("dogs", "img%d.png" % i) for i in range(2)]
    batch_x, batch_y = next(iterator)
    assert batch_x.shape == (5, 3, 4, 3)
    np.testing.assert_array_equal(batch_y, [[1, 0]] * 3 + [[0, 1]] * 2)
    np.testing.assert_allclose(batch_x[0, 0, 0], [1, 0, 0])
    np.testing.assert_allclose(batch_x[4, 0, 0], [0, 0, 1])
    sparse = generator.flow_from_directory(str(tmp_path), target_size=(3, 4), color_mode="grayscale",
                                           class_mode="sparse", shuffle=False)
    gray_x, gray_y = next(sparse)
    assert gray_x.shape == (5, 3, 4, 1)
    np.testing.assert_array_equal(gray_y, [0, 0, 0, 1, 1])
    only_dogs = generator.flow_from_directory(str(tmp_path), classes=["dogs"], class_mode=None, batch_size=8)
    assert next(only_dogs).shape == (2, 256, 256, 3)
    with pytest.raises(ValueError, match="Invalid class_mode"):
        generator.flow_from_directory(str(tmp_path), class_mode="one-hot")


def test_flow_from_directory_without_pil(monkeypatch, tmp_path):
    from keralite.preprocessing import image_files   # where PIL is imported
    monkeypatch.setattr(image_files, "pil_image", None)
    with pytest.raises(ImportError, match="requires PIL"):
        image.ImageDataGenerator().flow_from_directory(str(tmp_path))
    with pytest.raises(ImportError, match="requires PIL"):
        image.array_to_img(np.zeros((2, 2, 1)))
