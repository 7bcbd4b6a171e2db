"""keralite.utils submodules: np_utils, conv_utils, io_utils, layer_utils, vis_utils,
data_utils (get_file, Sequence and the enqueuers) and test_utils."""
import hashlib
import io
import os
import shutil
import tarfile
import threading
import zipfile

import h5py
import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import keralite.utils as utils
from keralite import backend as K
from keralite.engine.base_layer import Layer
from keralite.engine.input_layer import Input
from keralite.engine.sequential import Sequential
from keralite.engine.training import Model
from keralite.layers import Dense, Flatten
from keralite.utils import conv_utils, data_utils, io_utils, layer_utils, np_utils, test_utils, vis_utils


# ----------------------------------------------------------------------------- np_utils
def test_to_categorical_by_hand():
    expected = np.array([[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]], dtype=np.float32)
    result = np_utils.to_categorical([1, 0, 3])
    assert result.dtype == np.float32
    np.testing.assert_array_equal(result, expected)
    # a trailing axis of 1 is dropped; num_classes widens the rows
    np.testing.assert_array_equal(np_utils.to_categorical(np.array([[1], [0], [3]]), 5)[:, :4], expected)
    assert np_utils.to_categorical([[1, 2], [0, 1]]).shape == (2, 2, 3)


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.int64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), elements=st.integers(0, 6)))
def test_to_categorical_rows_are_one_hot(labels):
    result = np_utils.to_categorical(labels, 7)
    squeezed = labels.shape[:-1] if labels.ndim > 1 and labels.shape[-1] == 1 else labels.shape
    assert result.shape == squeezed + (7,)
    np.testing.assert_array_equal(result.argmax(-1), labels.reshape(squeezed))
    np.testing.assert_array_equal(result.sum(-1), np.ones(squeezed))


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.float64, (3, 5), elements=st.floats(-100, 100)), st.sampled_from([0, 1, -1]))
def test_normalize_l2(x, axis):
    result = np_utils.normalize(x, axis=axis)
    norms = np.sqrt((x ** 2).sum(axis=axis, keepdims=True))
    safe = np.where(norms == 0, 1, norms)
    np.testing.assert_allclose(result, x / safe, rtol=1e-12, atol=1e-12)


def test_normalize_l1_and_zero_rows():
    x = np.array([[3., -1.], [0., 0.]])
    np.testing.assert_allclose(np_utils.normalize(x, order=1), [[0.75, -0.25], [0., 0.]])


# ----------------------------------------------------------------------------- conv_utils
def test_normalize_tuple():
    assert conv_utils.normalize_tuple(3, 2, "kernel_size") == (3, 3)
    assert conv_utils.normalize_tuple([2, 4], 2, "strides") == (2, 4)
    with pytest.raises(ValueError, match="The `strides` argument must be a tuple of 2 integers. Received: 2.5"):
        conv_utils.normalize_tuple(2.5, 2, "strides")
    with pytest.raises(ValueError, match="must be a tuple of 3 integers"):
        conv_utils.normalize_tuple((1, 2), 3, "pool_size")
    with pytest.raises(ValueError, match="including element a"):
        conv_utils.normalize_tuple((1, "a"), 2, "pool_size")


def test_normalize_padding_and_data_format():
    assert conv_utils.normalize_padding("SAME") == "same"
    assert conv_utils.normalize_padding("causal") == "causal"
    with pytest.raises(ValueError, match="The `padding` argument must be one of"):
        conv_utils.normalize_padding("full")
    assert conv_utils.normalize_data_format("Channels_First") == "channels_first"
    assert conv_utils.normalize_data_format(None) == K.image_data_format()
    with pytest.raises(ValueError, match="The `data_format` argument must be one of"):
        conv_utils.normalize_data_format("nhwc")


def test_convert_kernel_flips_spatial_axes_only():
    kernel = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    np.testing.assert_array_equal(conv_utils.convert_kernel(kernel), kernel[::-1, ::-1, :, :])
    kernel_1d = np.arange(3 * 2 * 4).reshape(3, 2, 4)
    np.testing.assert_array_equal(conv_utils.convert_kernel(kernel_1d), kernel_1d[::-1])
    with pytest.raises(ValueError):
        conv_utils.convert_kernel(np.zeros((3, 3)))


def _count_windows(length, filter_size, padding, stride, dilation):
    """Reference: slide the dilated window over the padded input and count."""
    span = (filter_size - 1) * dilation + 1
    if padding == "same" or padding == "causal":
        return -(-length // stride)  # the output keeps ceil(length / stride) positions
    padded = length if padding == "valid" else length + 2 * (span - 1)
    return len([start for start in range(0, padded, stride) if start + span <= padded])


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.integers(1, 6), st.sampled_from(["valid", "same", "full", "causal"]),
       st.integers(1, 4), st.integers(1, 3))
def test_conv_output_length_counts_windows(length, filter_size, padding, stride, dilation):
    assume(padding != "valid" or length >= (filter_size - 1) * dilation + 1)
    expected = _count_windows(length, filter_size, padding, stride, dilation)
    assert conv_utils.conv_output_length(length, filter_size, padding, stride, dilation) == expected


def test_conv_lengths_by_hand():
    assert conv_utils.conv_output_length(None, 3, "same", 1) is None
    assert conv_utils.conv_output_length(28, 5, "valid", 1) == 24
    assert conv_utils.conv_output_length(28, 3, "same", 2) == 14
    assert conv_utils.conv_output_length(10, 3, "valid", 1, dilation=2) == 6
    assert conv_utils.conv_input_length(24, 5, "valid", 1) == 28
    assert conv_utils.conv_input_length(14, 3, "same", 2) == 27
    assert conv_utils.conv_input_length(None, 3, "same", 2) is None
    # transposed convolution: Keras 2.1.6's rule, and Keras 2.2's with output_padding
    assert conv_utils.deconv_length(7, 2, 3, "same") == 14
    assert conv_utils.deconv_length(7, 2, 3, "valid") == 15
    assert conv_utils.deconv_length(7, 1, 3, "full") == 5
    assert conv_utils.deconv_length(7, 2, 3, "same", output_padding=1) == 14
    assert conv_utils.deconv_length(None, 2, 3, "same") is None


# ----------------------------------------------------------------------------- io_utils
@pytest.fixture
def h5_path(tmp_path):
    path = str(tmp_path / "data.h5")
    with h5py.File(path, "w") as f:
        f["x"] = np.arange(40, dtype=np.float32).reshape(10, 4)
    yield path
    matrix_file = io_utils.HDF5Matrix.refs.pop(path, None)
    if matrix_file:
        matrix_file.close()


def test_hdf5_matrix_window_and_normalizer(h5_path):
    full = np.arange(40, dtype=np.float32).reshape(10, 4)
    matrix = io_utils.HDF5Matrix(h5_path, "x", start=2, end=8, normalizer=lambda a: a * 2)
    assert len(matrix) == 6 and matrix.shape == (6, 4)
    assert matrix.ndim == 2 and matrix.size == 24 and matrix.dtype == np.float32
    np.testing.assert_array_equal(matrix[0], full[2] * 2)
    np.testing.assert_array_equal(matrix[1:3], full[3:5] * 2)
    np.testing.assert_array_equal(matrix[:], full[2:8] * 2)
    np.testing.assert_array_equal(matrix[[0, 5]], full[[2, 7]] * 2)
    np.testing.assert_array_equal(matrix[np.array([1, 4])], full[[3, 6]] * 2)
    for bad_key in (6, slice(0, 7), [0, 6], np.array([6]), "a"):
        with pytest.raises(IndexError):
            matrix[bad_key]
    whole = io_utils.HDF5Matrix(h5_path, "x")
    assert whole.shape == (10, 4)


def test_hdf5_matrix_trains_with_batch_shuffle(h5_path):
    with h5py.File(h5_path, "a") as f:
        f["y"] = np.ones((10, 2), dtype=np.float32)
    x = io_utils.HDF5Matrix(h5_path, "x", end=8, normalizer=lambda a: a / 40.0)
    y = io_utils.HDF5Matrix(h5_path, "y", end=8)
    model = Sequential([Dense(2, input_shape=(4,))])
    model.compile("sgd", "mse")
    history = model.fit(x, y, batch_size=4, epochs=2, shuffle="batch", verbose=0)
    assert len(history.history["loss"]) == 2


def test_ask_to_proceed_with_overwrite(monkeypatch, capsys):
    answers = iter(["maybe", "y"])
    prompts = []
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or next(answers))
    assert io_utils.ask_to_proceed_with_overwrite("model.h5") is True
    assert prompts == ["[WARNING] model.h5 already exists - overwrite? [y/n]",
                       "Enter \"y\" (overwrite) or \"n\" (cancel)."]
    assert "[TIP] Next time specify overwrite=True!" in capsys.readouterr().out
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert io_utils.ask_to_proceed_with_overwrite("model.h5") is False


# ----------------------------------------------------------------------------- layer_utils
class AddPair(Layer):
    """Sum of two tensors of the same shape (a two-input layer for the graph tests)."""

    def call(self, inputs):
        return inputs[0] + inputs[1]

    def compute_output_shape(self, input_shape):
        return input_shape[0]


def _summary_lines(model, **kwargs):
    lines = []
    layer_utils.print_summary(model, print_fn=lines.append, **kwargs)
    return lines


def test_summary_of_sequential_model():
    model = Sequential()
    model.add(Dense(32, input_shape=(784,), name="hidden"))
    model.add(Dense(10, name="scores"))
    expected = [
        "_________________________________________________________________",
        "Layer (type)                 Output Shape              Param #   ",
        "=================================================================",
        "hidden (Dense)               (None, 32)                25120     ",
        "_________________________________________________________________",
        "scores (Dense)               (None, 10)                330       ",
        "=================================================================",
        "Total params: 25,450",
        "Trainable params: 25,450",
        "Non-trainable params: 0",
        "_________________________________________________________________",
    ]
    assert _summary_lines(model) == expected
    lines = []
    model.summary(print_fn=lines.append)
    assert lines == expected


def test_summary_of_functional_model():
    a = Input(shape=(3,), name="a")
    b = Input(shape=(5,), name="b")
    shared_width = Dense(4, name="from_a")(a)
    other = Dense(4, name="from_b", trainable=False)(b)
    total = AddPair(name="total")([shared_width, other])
    out = Dense(1, name="out")(total)
    model = Model([a, b], out)
    expected = [
        "_" * 98,
        "Layer (type)                    Output Shape         Param #     Connected to                     ",
        "=" * 98,
        "a (InputLayer)                  (None, 3)            0                                            ",
        "_" * 98,
        "b (InputLayer)                  (None, 5)            0                                            ",
        "_" * 98,
        "from_a (Dense)                  (None, 4)            16          a[0][0]                          ",
        "_" * 98,
        "from_b (Dense)                  (None, 4)            24          b[0][0]                          ",
        "_" * 98,
        "total (AddPair)                 (None, 4)            0           from_a[0][0]                     ",
        "                                                                 from_b[0][0]                     ",
        "_" * 98,
        "out (Dense)                     (None, 1)            5           total[0][0]                      ",
        "=" * 98,
        "Total params: 45",
        "Trainable params: 21",
        "Non-trainable params: 24",
        "_" * 98,
    ]
    assert _summary_lines(model) == expected


def test_summary_custom_width_cuts_long_fields():
    model = Sequential([Dense(2, input_shape=(3,), name="a_rather_long_layer_name")])
    lines = _summary_lines(model, line_length=30, positions=[10, 20, 30])
    assert lines[0] == "_" * 30
    assert lines[1] == "Layer (ty Output Sh Param #   "
    assert lines[3] == "a_rather_ (None, 2) 8         "


def test_count_params_counts_each_weight_once():
    layer = Dense(3, input_shape=(4,))
    Sequential([layer])
    assert layer_utils.count_params(layer.weights + layer.weights) == 15
    assert layer_utils.count_params([]) == 0


def test_convert_dense_weights_data_format():
    h, w, c, units = 2, 3, 4, 5
    feature_map = np.random.rand(h, w, c)
    model = Sequential([Dense(units, input_shape=(h * w * c,))])
    dense = model.layers[0]
    kernel, bias = dense.get_weights()
    before = feature_map.reshape(-1) @ kernel  # Flatten of a channels_last map
    layer_utils.convert_dense_weights_data_format(dense, (c, h, w), target_data_format="channels_first")
    after = feature_map.transpose(2, 0, 1).reshape(-1) @ dense.get_weights()[0]
    np.testing.assert_allclose(after, before, rtol=1e-5)
    layer_utils.convert_dense_weights_data_format(dense, (h, w, c), target_data_format="channels_last")
    np.testing.assert_allclose(dense.get_weights()[0], kernel)


class Conv2D(Layer):
    """Stand-in with a Conv2D's class name and `kernel` attribute."""

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", (2, 3, 1, 2), initializer="glorot_uniform")
        super().build(input_shape)

    def call(self, inputs):
        return inputs


def test_convert_all_kernels_in_model():
    conv = Conv2D()
    model = Sequential([Flatten(input_shape=(2, 2)), conv])
    kernel = K.get_value(conv.kernel).copy()
    layer_utils.convert_all_kernels_in_model(model)
    np.testing.assert_array_equal(K.get_value(conv.kernel), kernel[::-1, ::-1])


def test_get_source_inputs_is_exported():
    x = Input(shape=(3,))
    y = Dense(2)(Dense(2)(x))
    assert layer_utils.get_source_inputs(y)[0] is x


# ----------------------------------------------------------------------------- vis_utils
def _graphviz_works():
    try:
        vis_utils._check_pydot()
        return True
    except ImportError:
        return False


def test_plot_model_without_pydot(monkeypatch):
    monkeypatch.setattr(vis_utils, "pydot", None)
    model = Sequential([Dense(2, input_shape=(3,))])
    with pytest.raises(ImportError, match="You must install pydot and graphviz"):
        vis_utils.plot_model(model)


@pytest.mark.skipif(not _graphviz_works(), reason="pydot or Graphviz is not installed")
def test_model_to_dot_and_plot_model(tmp_path):
    a = Input(shape=(3,), name="a")
    b = Input(shape=(3,), name="b")
    total = AddPair(name="total")([Dense(3, name="da")(a), b])
    model = Model([a, b], total)
    dot = vis_utils.model_to_dot(model, show_shapes=True)
    labels = {node.get_name(): node.get("label") for node in dot.get_nodes()}
    by_layer = {layer.name: labels[str(id(layer))] for layer in model.layers}
    assert by_layer["da"].startswith("da: Dense")
    assert "{{(None, 3)}|{(None, 3)}}" in by_layer["da"]
    edges = {(e.get_source(), e.get_destination()) for e in dot.get_edges()}
    ids = {layer.name: str(id(layer)) for layer in model.layers}
    assert edges == {(ids["a"], ids["da"]), (ids["da"], ids["total"]), (ids["b"], ids["total"])}
    names_only = vis_utils.model_to_dot(model, show_layer_names=False)
    assert {n.get("label") for n in names_only.get_nodes() if n.get("label")} >= {"Dense", "AddPair"}
    target = tmp_path / "model.png"
    vis_utils.plot_model(Sequential([Dense(2, input_shape=(3,))]), to_file=str(target))
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ----------------------------------------------------------------------------- get_file
def _make_tar(path, members):
    with tarfile.open(path, "w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def test_hash_and_validate_file(tmp_path):
    path = tmp_path / "blob.bin"
    path.write_bytes(b"keralite" * 10000)
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    md5 = hashlib.md5(path.read_bytes()).hexdigest()
    assert data_utils._hash_file(str(path)) == sha256
    assert data_utils._hash_file(str(path), algorithm="md5") == md5
    assert data_utils.validate_file(str(path), sha256)
    assert data_utils.validate_file(str(path), md5)
    assert data_utils.validate_file(str(path), md5, algorithm="md5")
    assert not data_utils.validate_file(str(path), "0" * 64)


def test_get_file_from_local_url_and_cache(tmp_path, capsys):
    source = tmp_path / "origin" / "data.txt"
    source.parent.mkdir()
    source.write_bytes(b"hello")
    cache = tmp_path / "cache"
    md5 = hashlib.md5(b"hello").hexdigest()
    path = data_utils.get_file("data.txt", "file://" + str(source), md5_hash=md5, cache_dir=str(cache))
    assert path == str(cache / "datasets" / "data.txt")
    assert open(path, "rb").read() == b"hello"
    assert "Downloading data from file://" in capsys.readouterr().out
    # cached with a valid hash: the (unreachable) origin is not used
    again = utils.get_file("data.txt", "https://example.invalid/data.txt", file_hash=md5, cache_dir=str(cache))
    assert again == path and capsys.readouterr().out == ""
    # a stale cached copy is fetched again
    with open(path, "wb") as f:
        f.write(b"stale")
    data_utils.get_file("data.txt", "file://" + str(source), file_hash=md5, cache_dir=str(cache),
                        cache_subdir="datasets")
    assert "file hash does not match the original value of " + md5 in capsys.readouterr().out
    assert open(path, "rb").read() == b"hello"


def test_get_file_network_url_fails_clearly(tmp_path):
    with pytest.raises(Exception, match="URL fetch failure on https://example.invalid/x.npz.*offline"):
        data_utils.get_file("x.npz", "https://example.invalid/x.npz", cache_dir=str(tmp_path))
    assert not os.path.exists(tmp_path / "datasets" / "x.npz")
    with pytest.raises(Exception, match="URL fetch failure"):
        data_utils.get_file("y.npz", "file://" + str(tmp_path / "missing.npz"), cache_dir=str(tmp_path))


def test_get_file_fetched_with_wrong_hash_is_removed(tmp_path):
    source = tmp_path / "blob"
    source.write_bytes(b"abc")
    with pytest.raises(ValueError, match="does not match"):
        data_utils.get_file("blob", "file://" + str(source), file_hash="0" * 64, cache_dir=str(tmp_path / "c"))
    assert not os.path.exists(tmp_path / "c" / "datasets" / "blob")


def test_get_file_extracts_archives(tmp_path):
    tar_path = str(tmp_path / "pack.tar.gz")
    _make_tar(tar_path, {"a.txt": b"A", "b.txt": b"B"})
    cache = str(tmp_path / "cache")
    path = data_utils.get_file("pack.tar.gz", "file://" + tar_path, extract=True, cache_dir=cache)
    folder = os.path.dirname(path)
    assert open(os.path.join(folder, "a.txt"), "rb").read() == b"A"
    # legacy untar=True returns the folder named fname
    _make_tar(str(tmp_path / "legacy.tar.gz"), {"legacy/c.txt": b"C"})
    untarred = data_utils.get_file("legacy", "file://" + str(tmp_path / "legacy.tar.gz"), untar=True,
                                   cache_dir=cache)
    assert open(os.path.join(untarred, "c.txt"), "rb").read() == b"C"
    zip_path = str(tmp_path / "pack.zip")
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr("z.txt", b"Z")
    data_utils.get_file("pack.zip", "file://" + zip_path, extract=True, archive_format="zip", cache_dir=cache)
    assert open(os.path.join(folder, "z.txt"), "rb").read() == b"Z"
    assert data_utils._extract_archive(zip_path, str(tmp_path / "out"), archive_format="tar") is False
    shutil.rmtree(cache)


# ----------------------------------------------------------------------------- enqueuers
class Numbers(utils.Sequence):
    """Batch i is np.full(2, i); records the indices read and the on_epoch_end calls."""

    def __init__(self, size=6, fail_at=None):
        self.size = size
        self.fail_at = fail_at
        self.reads = []
        self.epochs_ended = 0
        self._lock = threading.Lock()

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        if index == self.fail_at:
            raise KeyError("bad index %d" % index)
        with self._lock:
            self.reads.append(index)
        return np.full(2, index + 100 * self.epochs_ended)

    def on_epoch_end(self):
        self.epochs_ended += 1


def _take(iterator, count):
    return [next(iterator) for _ in range(count)]


@pytest.mark.parametrize("use_multiprocessing", [False, True])
def test_ordered_enqueuer_keeps_order_across_epochs(use_multiprocessing):
    sequence = Numbers()
    enqueuer = data_utils.OrderedEnqueuer(sequence, use_multiprocessing=use_multiprocessing)
    enqueuer.start(workers=2, max_queue_size=3)
    try:
        batches = _take(enqueuer.get(), 12)
    finally:
        enqueuer.stop()
    assert not enqueuer.is_running()
    # the second pass sees what on_epoch_end changed, in the workers too
    assert [int(b[0]) for b in batches] == list(range(6)) + list(range(100, 106))
    assert sequence.epochs_ended >= 1


def test_ordered_enqueuer_shuffle_is_a_permutation_per_epoch():
    sequence = Numbers(size=8)
    enqueuer = data_utils.OrderedEnqueuer(sequence, shuffle=True)
    enqueuer.start(workers=2, max_queue_size=2)
    try:
        batches = [int(b[0]) for b in _take(enqueuer.get(), 16)]
    finally:
        enqueuer.stop()
    assert sorted(batches[:8]) == list(range(8))
    assert sorted(batches[8:]) == list(range(100, 108))


@pytest.mark.parametrize("use_multiprocessing", [False, True])
def test_ordered_enqueuer_raises_worker_errors(use_multiprocessing):
    enqueuer = data_utils.OrderedEnqueuer(Numbers(fail_at=2), use_multiprocessing=use_multiprocessing)
    enqueuer.start(workers=2, max_queue_size=4)
    output = enqueuer.get()
    assert _take(output, 2)[1][0] == 1
    with pytest.raises(KeyError, match="bad index 2"):
        next(output)
    assert not enqueuer.is_running()


def test_ordered_enqueuer_reports_feeding_errors():
    class BadEpochEnd(Numbers):
        def on_epoch_end(self):
            raise OSError("cannot reshuffle")

    enqueuer = data_utils.OrderedEnqueuer(BadEpochEnd(size=2))
    enqueuer.start(workers=1)
    output = enqueuer.get()
    assert len(_take(output, 2)) == 2
    with pytest.raises(OSError, match="cannot reshuffle"):
        next(output)
    empty = data_utils.OrderedEnqueuer(Numbers(size=0))
    empty.start()
    with pytest.raises(ValueError, match="is empty"):
        next(empty.get())


def _counter(limit=None, fail_at=None):
    i = 0
    while limit is None or i < limit:
        if i == fail_at:
            raise ValueError("generator broke at %d" % i)
        yield i
        i += 1


def test_generator_enqueuer_threads_keep_order_and_finish():
    enqueuer = data_utils.GeneratorEnqueuer(_counter(limit=30), wait_time=0.01)
    enqueuer.start(workers=3, max_queue_size=4)
    try:
        assert list(enqueuer.get()) == list(range(30))
    finally:
        enqueuer.stop()


def test_generator_enqueuer_threads_raise_generator_errors():
    enqueuer = data_utils.GeneratorEnqueuer(_counter(fail_at=3), wait_time=0.01)
    enqueuer.start(workers=2, max_queue_size=10)
    output = enqueuer.get()
    assert _take(output, 3) == [0, 1, 2]
    with pytest.raises(ValueError, match="generator broke at 3"):
        next(output)
    assert not enqueuer.is_running()


def test_generator_enqueuer_processes():
    # each process runs its own copy of the generator: each value comes once per worker
    enqueuer = data_utils.GeneratorEnqueuer(_counter(limit=5), use_multiprocessing=True, wait_time=0.01)
    enqueuer.start(workers=2, max_queue_size=3)
    try:
        assert sorted(enqueuer.get()) == sorted(list(range(5)) * 2)
    finally:
        enqueuer.stop()
    failing = data_utils.GeneratorEnqueuer(_counter(fail_at=1), use_multiprocessing=True, wait_time=0.01)
    failing.start(workers=1, max_queue_size=3)
    with pytest.raises(ValueError, match="generator broke at 1"):
        list(failing.get())


def test_sequence_base_class():
    with pytest.raises(NotImplementedError):
        len(utils.Sequence())
    assert [int(b[0]) for b in Numbers(size=3)] == [0, 1, 2]


# ----------------------------------------------------------------------------- test_utils
def test_get_test_data_shapes_and_labels():
    (x_train, y_train), (x_test, y_test) = test_utils.get_test_data(
        num_train=20, num_test=10, input_shape=(4, 3), classification=True, num_classes=3)
    assert x_train.shape == (20, 4, 3) and x_test.shape == (10, 4, 3) and x_train.dtype == np.float32
    assert set(np.unique(np.concatenate([y_train, y_test]))) <= {0, 1, 2}
    (x_train, y_train), _ = test_utils.get_test_data(num_train=5, num_test=1, input_shape=(2,),
                                                     output_shape=(3,), classification=False)
    assert x_train.shape == (5, 2) and y_train.shape == (5, 3)


def test_layer_test_on_dense_with_expected_output():
    data = np.random.rand(3, 4).astype("float32")
    expected = np.tile(data.sum(axis=1, keepdims=True), (1, 2))  # all-ones kernel, zero bias
    output = test_utils.layer_test(Dense, kwargs={"units": 2, "kernel_initializer": "ones"},
                                   input_data=data, expected_output=expected)
    np.testing.assert_allclose(output, expected, rtol=1e-5)
    test_utils.layer_test(Dense, kwargs={"units": 3}, input_shape=(2, 5))


class WrongShape(Layer):
    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape[:-1] + (7,)


def test_layer_test_catches_wrong_output_shape_and_value():
    with pytest.raises(AssertionError, match="compute_output_shape"):
        test_utils.layer_test(WrongShape, input_shape=(2, 3))
    with pytest.raises(AssertionError, match="unexpected output"):
        test_utils.layer_test(Dense, kwargs={"units": 1, "kernel_initializer": "zeros"},
                              input_data=np.ones((2, 3), "float32"), expected_output=np.ones((2, 1)))


# ----------------------------------------------------------------------------- exports
def test_keras_names_exported_from_utils():
    for name in ["to_categorical", "normalize", "HDF5Matrix", "Sequence", "get_file", "plot_model",
                 "print_summary", "CustomObjectScope", "custom_object_scope", "get_custom_objects",
                 "Progbar", "GeneratorEnqueuer", "OrderedEnqueuer", "convert_all_kernels_in_model",
                 "serialize_keras_object", "deserialize_keras_object"]:
        assert hasattr(utils, name), name
    for module in ["np_utils", "generic_utils", "data_utils", "io_utils", "conv_utils", "layer_utils",
                   "vis_utils"]:
        assert hasattr(utils, module), module
