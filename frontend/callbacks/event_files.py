"""TensorBoard event files without TensorFlow: scalars, histograms, images and a layer
graph, written as the protocol buffers that TensorBoard reads. The record writer and
the protobuf classes come from the `tensorboard` package, or from `tensorboardX`."""
import itertools
import os
import struct
import time
import zlib

import numpy as np

INSTALL_HINT = ("The TensorBoard callback needs the `tensorboard` package to write event files "
                "(pip install tensorboard); the `tensorboardX` package works too.")

_file_counter = itertools.count()


def load_event_backend():
    """(EventFileWriter class, summary_pb2, event_pb2, graph_pb2) from `tensorboard`,
    else from `tensorboardX`; ImportError naming the package to install otherwise."""
    try:
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
        from tensorboard.compat.proto import summary_pb2, event_pb2, graph_pb2
        return EventFileWriter, summary_pb2, event_pb2, graph_pb2
    except ImportError:
        pass
    try:
        from tensorboardX.event_file_writer import EventFileWriter
        from tensorboardX.proto import summary_pb2, event_pb2, graph_pb2
        return EventFileWriter, summary_pb2, event_pb2, graph_pb2
    except ImportError:
        raise ImportError(INSTALL_HINT) from None


def encode_png(pixels):
    """PNG bytes of a 2-D uint8 array (8-bit grayscale, no filtering)."""
    height, width = pixels.shape

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit gray
    rows = b"".join(b"\x00" + row.tobytes() for row in np.ascontiguousarray(pixels, np.uint8))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def to_uint8_image(values):
    """Float values to 0..255 as TensorFlow's image summary does: non-negative data is
    scaled so its maximum is 255; data with negatives is centred on 128 and scaled so the
    largest magnitude reaches 127 (or -128)."""
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return values.astype(np.uint8)
    if values.min() >= 0:
        peak = values.max()
        scaled = values * (255.0 / peak if peak > 0 else 1.0)
    else:
        peak = np.abs(values).max()
        scaled = values * (127.0 / peak) + 128.0
    return np.clip(np.round(scaled), 0, 255).astype(np.uint8)


class EventWriter:
    """Writes summaries at a given step into a new event file under `log_dir`."""

    def __init__(self, log_dir):
        file_writer_class, self._summary_pb2, self._event_pb2, self._graph_pb2 = load_event_backend()
        os.makedirs(log_dir, exist_ok=True)
        self.log_dir = log_dir
        suffix = ".%d.%d" % (os.getpid(), next(_file_counter))  # two writers in one second differ
        self._writer = file_writer_class(log_dir, filename_suffix=suffix)

    def _write_summary(self, summary, step):
        event = self._event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary)
        self._writer.add_event(event)

    def scalar(self, tag, value, step):
        summary = self._summary_pb2.Summary()
        summary.value.add(tag=tag, simple_value=float(value))
        self._write_summary(summary, step)

    def histogram(self, tag, values, step, bins=30):
        values = np.asarray(values, dtype=np.float64).ravel()
        values = values[np.isfinite(values)]
        if values.size == 0:
            return
        counts, edges = np.histogram(values, bins=bins)
        histo = self._summary_pb2.HistogramProto(
            min=float(values.min()), max=float(values.max()), num=float(values.size),
            sum=float(values.sum()), sum_squares=float(np.dot(values, values)),
            bucket_limit=[float(edge) for edge in edges[1:]],
            bucket=[float(count) for count in counts])
        summary = self._summary_pb2.Summary()
        summary.value.add(tag=tag, histo=histo)
        self._write_summary(summary, step)

    def images(self, tag, images, step):
        """`images`: (count, height, width) floats; tagged 'tag/image' for one image,
        'tag/image/i' for several, as TensorFlow names them."""
        summary = self._summary_pb2.Summary()
        for index, image in enumerate(images):
            pixels = to_uint8_image(image)
            encoded = self._summary_pb2.Summary.Image(
                height=pixels.shape[0], width=pixels.shape[1], colorspace=1,
                encoded_image_string=encode_png(pixels))
            name = "%s/image" % tag if len(images) == 1 else "%s/image/%d" % (tag, index)
            summary.value.add(tag=name, image=encoded)
        self._write_summary(summary, step)

    def graph(self, nodes):
        """`nodes`: (name, op, input names) triples, one per layer."""
        graph_def = self._graph_pb2.GraphDef()
        for name, op, inputs in nodes:
            graph_def.node.add(name=name, op=op, input=list(inputs))
        event = self._event_pb2.Event(wall_time=time.time(), graph_def=graph_def.SerializeToString())
        self._writer.add_event(event)

    def flush(self):
        self._writer.flush()

    def close(self):
        self._writer.close()
