"""The TensorBoard callback: event files read back with the `tensorboard` package's own
event reader; expected values from numpy (gradients of the mean squared error by hand)."""
import struct
import sys
import zlib

import numpy as np
import pytest

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")

from keralite.callbacks import TensorBoard  # noqa: E402
from keralite.callbacks.event_files import encode_png, to_uint8_image  # noqa: E402
from keralite.engine.sequential import Sequential  # noqa: E402
from keralite.layers import Dense  # noqa: E402

rng = np.random.RandomState(3)
X = rng.rand(20, 3).astype("float32")
Y = rng.rand(20, 2).astype("float32")
VAL_X, VAL_Y = X[15:], Y[15:]  # what validation_split=0.25 holds out


def make_model():
    model = Sequential([Dense(2, input_shape=(3,))])
    model.compile("sgd", "mse")
    return model


def read_events(log_dir):
    accumulator = event_accumulator.EventAccumulator(str(log_dir), size_guidance={
        event_accumulator.SCALARS: 0, event_accumulator.HISTOGRAMS: 0,
        event_accumulator.IMAGES: 0, event_accumulator.GRAPH: 1})
    accumulator.Reload()
    return accumulator


def decode_gray_png(data):
    """Pixels of an 8-bit grayscale, unfiltered PNG (what encode_png writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, chunks = 8, {}
    while position < len(data):
        length, = struct.unpack(">I", data[position:position + 4])
        kind = data[position + 4:position + 8]
        body = data[position + 8:position + 8 + length]
        crc, = struct.unpack(">I", data[position + 8 + length:position + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        chunks[kind] = chunks.get(kind, b"") + body
        position += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, color) == (8, 0)
    raw = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), np.uint8).reshape(height, width + 1)
    assert not raw[:, 0].any()  # filter type 0 on every row
    return raw[:, 1:]


def test_scalars_per_epoch_match_history(tmp_path):
    model = make_model()
    history = model.fit(X, Y, epochs=3, batch_size=5, validation_split=0.25, verbose=0,
                        callbacks=[TensorBoard(log_dir=str(tmp_path), write_graph=False)])
    events = read_events(tmp_path)
    assert set(events.Tags()["scalars"]) == {"loss", "val_loss"}
    for tag in ("loss", "val_loss"):
        scalars = events.Scalars(tag)
        assert [s.step for s in scalars] == [0, 1, 2]
        np.testing.assert_allclose([s.value for s in scalars], history.history[tag], rtol=1e-6)
    assert events.Tags()["histograms"] == []
    assert not events.Tags()["graph"]


def test_histograms_gradients_images_and_graph(tmp_path):
    model = make_model()
    board = TensorBoard(log_dir=str(tmp_path), histogram_freq=2, batch_size=2, write_grads=True,
                        write_images=True, write_graph=True)
    model.fit(X, Y, epochs=3, batch_size=5, validation_split=0.25, verbose=0, shuffle=False,
              callbacks=[board])
    events = read_events(tmp_path)
    layer = model.layers[0]
    kernel_tag, bias_tag = [w.name.replace(":", "_") for w in layer.weights]
    tags = set(events.Tags()["histograms"])
    assert tags == {kernel_tag, bias_tag, layer.name + "_out", kernel_tag + "_grad", bias_tag + "_grad"}
    kernel, bias = model.get_weights()  # as they were at the last epoch (index 2: 2 % 2 == 0)

    def last(tag):
        histograms = events.Histograms(tag)
        assert [h.step for h in histograms] == [0, 2]
        return histograms[-1].histogram_value

    stats = last(kernel_tag)
    assert stats.num == kernel.size
    np.testing.assert_allclose([stats.min, stats.max, stats.sum],
                               [kernel.min(), kernel.max(), kernel.sum()], rtol=1e-5)
    assert sum(stats.bucket) == kernel.size
    # layer output over the whole validation set (3 batches of at most 2 rows)
    outputs = VAL_X @ kernel + bias
    stats = last(layer.name + "_out")
    assert stats.num == outputs.size
    np.testing.assert_allclose([stats.sum, stats.sum_squares], [outputs.sum(), (outputs ** 2).sum()],
                               rtol=1e-5)
    # d/dW of mean((XW + b - Y)^2) over the validation rows and both outputs
    residual = outputs - VAL_Y
    kernel_grad = 2.0 * VAL_X.T @ residual / residual.size
    bias_grad = 2.0 * residual.sum(axis=0) / residual.size
    for tag, grad in ((kernel_tag + "_grad", kernel_grad), (bias_tag + "_grad", bias_grad)):
        stats = last(tag)
        np.testing.assert_allclose([stats.min, stats.max, stats.sum], [grad.min(), grad.max(), grad.sum()],
                                   rtol=1e-4, atol=1e-6)
    # images: the (3, 2) kernel shown wider than tall, the bias as a column
    images = {tag: events.Images(tag) for tag in events.Tags()["images"]}
    assert set(images) == {kernel_tag + "/image", bias_tag + "/image"}
    kernel_image = images[kernel_tag + "/image"][-1]
    assert (kernel_image.step, kernel_image.height, kernel_image.width) == (2, 2, 3)
    np.testing.assert_array_equal(decode_gray_png(kernel_image.encoded_image_string),
                                  to_uint8_image(kernel.T))
    bias_image = images[bias_tag + "/image"][-1]
    assert (bias_image.height, bias_image.width) == (2, 1)
    # the layer graph
    graph = events.Graph()
    assert [(node.name, node.op) for node in graph.node] == [(layer.name, "Dense")]


def test_histograms_need_validation_data(tmp_path):
    model = make_model()
    board = TensorBoard(log_dir=str(tmp_path), histogram_freq=1)
    with pytest.raises(ValueError, match="If printing histograms, validation_data must be provided"):
        model.fit(X, Y, epochs=1, batch_size=5, verbose=0, callbacks=[board])


def test_embeddings_written_for_projector(tmp_path):
    model = make_model()
    name = model.layers[0].name
    board = TensorBoard(log_dir=str(tmp_path), embeddings_freq=1, embeddings_layer_names=[name],
                        embeddings_metadata="labels.tsv", write_graph=False)
    model.fit(X, Y, epochs=2, batch_size=10, verbose=0, callbacks=[board])
    written = np.loadtxt(tmp_path / "keras_embedding" / (name + ".tsv"), delimiter="\t")
    np.testing.assert_allclose(written, model.get_weights()[0], rtol=1e-6)
    config = (tmp_path / "projector_config.pbtxt").read_text()
    assert 'tensor_path: "keras_embedding/%s.tsv"' % name in config
    assert 'metadata_path: "labels.tsv"' in config


def test_two_fits_write_two_event_files(tmp_path):
    model = make_model()
    board = TensorBoard(log_dir=str(tmp_path))
    model.fit(X, Y, epochs=1, batch_size=10, verbose=0, callbacks=[board])
    model.fit(X, Y, epochs=1, batch_size=10, verbose=0, callbacks=[board])
    assert len([name for name in tmp_path.iterdir() if "tfevents" in name.name]) == 2
    assert len(read_events(tmp_path).Scalars("loss")) == 2


def block_modules(monkeypatch, prefix):
    """Make every module whose name starts with `prefix` fail to import."""
    for name in [name for name in sys.modules if name == prefix or name.startswith(prefix + ".")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, prefix, None)


def test_without_any_writer_package_construction_fails(monkeypatch):
    block_modules(monkeypatch, "tensorboard")
    block_modules(monkeypatch, "tensorboardX")
    with pytest.raises(ImportError, match="pip install tensorboard"):
        TensorBoard()


def test_tensorboardx_writes_the_same_scalars(tmp_path, monkeypatch):
    pytest.importorskip("tensorboardX")
    model = make_model()
    with monkeypatch.context() as patch:
        block_modules(patch, "tensorboard")
        history = model.fit(X, Y, epochs=2, batch_size=10, verbose=0,
                            callbacks=[TensorBoard(log_dir=str(tmp_path))])
    scalars = read_events(tmp_path).Scalars("loss")
    np.testing.assert_allclose([s.value for s in scalars], history.history["loss"], rtol=1e-6)


def test_png_and_image_scaling():
    pixels = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    np.testing.assert_array_equal(decode_gray_png(encode_png(pixels)), pixels)
    # non-negative data: max -> 255; data with negatives: 0 -> 128, largest magnitude -> +-127
    np.testing.assert_array_equal(to_uint8_image([[0.0, 0.5, 1.0]]), [[0, 128, 255]])
    np.testing.assert_array_equal(to_uint8_image([[-2.0, 0.0, 1.0]]), [[1, 128, 192]])
