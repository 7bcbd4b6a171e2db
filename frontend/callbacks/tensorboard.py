"""TensorBoard: writes the epoch logs (and optionally histograms, weight images, the
layer graph and embeddings) as TensorBoard event files."""
import os

import numpy as np

from .. import backend as K
from .core import Callback
from .event_files import EventWriter, load_event_backend

MAX_IMAGES_PER_WEIGHT = 3  # tf.summary.image's max_outputs, which Keras leaves at its default


def layer_graph(model):
    """(layer name, layer class, inbound layer names) for every layer of `model`."""
    nodes = []
    for layer in model.layers:
        inputs = []
        for node in getattr(layer, "_inbound_nodes", []):
            inputs.extend(inbound.name for inbound in node.inbound_layers if inbound is not None)
        nodes.append((layer.name, type(layer).__name__, inputs))
    return nodes


def weight_images(values):
    """A weight as a stack of 2-D images the way Keras shows it, or None when it has no
    image form: a dense kernel is one image (wider than tall), a 1-D conv kernel is one
    image per input channel, a bias is a column."""
    values = np.squeeze(np.asarray(values))
    if values.ndim == 2:
        return (values.T if values.shape[0] > values.shape[1] else values)[None]
    if values.ndim == 3:
        if K.image_data_format() == "channels_last":
            values = np.transpose(values, (2, 0, 1))
        return values
    if values.ndim == 1:
        return values[None, :, None]
    return None


def _tag(weight):
    return weight.name.replace(":", "_")


class TensorBoard(Callback):
    """Writes a TensorBoard log of the training under `log_dir`.

    Every epoch-end log value is written as a scalar at step `epoch`, so runs can be
    compared in TensorBoard's charts. Needs the `tensorboard` (or `tensorboardX`)
    package; constructing it without either raises ImportError, so the failure comes
    before training rather than in the middle of it.

    # Arguments
        log_dir: the directory the event files are written to.
        histogram_freq: every how many epochs to write histograms of the weights and
            of each layer's output on the validation data (0: never; needs
            validation data).
        batch_size: the batch size the validation data is run with for histograms.
        write_graph: whether to write the layer graph.
        write_grads: whether to add histograms of the gradients.
        write_images: whether to write the weights as images.
        embeddings_freq: every how many epochs to write the embeddings (0: never).
        embeddings_layer_names: names of the layers whose first weight is written for
            TensorBoard's projector (default: every Embedding layer).
        embeddings_metadata: a file name, or a dict `{layer name: file name}`, of the
            labels shown with the embeddings.

    # Raises
        ImportError: when neither tensorboard nor tensorboardX is installed.
    """

    def __init__(self, log_dir="./logs", histogram_freq=0, batch_size=32, write_graph=True,
                 write_grads=False, write_images=False, embeddings_freq=0,
                 embeddings_layer_names=None, embeddings_metadata=None):
        super().__init__()
        load_event_backend()  # fail now, with the package to install, not mid-training
        self.log_dir = log_dir
        self.histogram_freq = histogram_freq
        self.batch_size = batch_size
        self.write_graph = write_graph
        self.write_grads = write_grads
        self.write_images = write_images
        self.embeddings_freq = embeddings_freq
        self.embeddings_layer_names = embeddings_layer_names
        self.embeddings_metadata = embeddings_metadata or {}
        self.writer = None
        self._histogram_function = None
        self._histogram_tags = None

    def set_model(self, model):
        """Receives the model and opens the event file writer (writing the graph if asked).

        # Arguments
            model: the model being trained.
        """
        self.model = model
        if self.writer is not None:
            self.writer.close()
        self.writer = EventWriter(self.log_dir)
        self._histogram_function = None
        if self.write_graph:
            self.writer.graph(layer_graph(model))

    # ------------------------------------------------------------ histograms
    def _build_histogram_function(self):
        """One compiled function from the validation inputs to every layer output and,
        with write_grads, the gradient of the loss for every trainable weight."""
        model = self.model
        tags, outputs = [], []
        feeds = model._feed_inputs + model._feed_targets + model._feed_sample_weights
        fed = {id(tensor) for tensor in feeds}
        for layer in model.layers:
            try:
                layer_outputs = layer.output
            except AttributeError:  # a layer used at several places has no single output
                continue
            if not isinstance(layer_outputs, list):
                layer_outputs = [layer_outputs]
            for index, output in enumerate(layer_outputs):
                if id(output) in fed:
                    continue
                suffix = "" if len(layer_outputs) == 1 else "_%d" % index
                tags.append(("out", "%s_out%s" % (layer.name, suffix)))
                outputs.append(output)
        if self.write_grads:
            weights = [w for layer in model.layers for w in layer.trainable_weights]
            if weights:
                outputs += model.optimizer.get_gradients(model.total_loss, weights)
                tags += [("grad", "%s_grad" % _tag(w)) for w in weights]
        if model._feed_learning_phase():
            feeds = feeds + [K.learning_phase()]
        self._histogram_tags = tags
        self._histogram_function = K.function(feeds, outputs) if outputs else None

    def _validation_batches(self):
        data = self.validation_data
        count = data[0].shape[0]
        for start in range(0, count, self.batch_size):
            stop = min(start + self.batch_size, count)
            # scalars (the learning-phase flag) are passed whole
            yield stop - start, [x if np.ndim(x) == 0 else x[start:stop] for x in data]

    def _write_histograms(self, epoch):
        for layer in self.model.layers:
            for weight in layer.weights:
                values = K.get_value(weight)
                self.writer.histogram(_tag(weight), values, epoch)
                if self.write_images:
                    images = weight_images(values)
                    if images is not None:
                        self.writer.images(_tag(weight), images[:MAX_IMAGES_PER_WEIGHT], epoch)
        if self._histogram_function is None:
            self._build_histogram_function()
        if self._histogram_function is None:
            return
        activations = [[] for _ in self._histogram_tags]
        gradient_sums = [0.0 for _ in self._histogram_tags]
        seen = 0
        for size, batch in self._validation_batches():
            results = self._histogram_function(batch)
            seen += size
            for index, ((kind, _), value) in enumerate(zip(self._histogram_tags, results)):
                if kind == "out":
                    activations[index].append(np.asarray(value).ravel())
                else:  # the loss is a batch mean: weight each batch's gradient by its size
                    gradient_sums[index] = gradient_sums[index] + np.asarray(value) * size
        for index, (kind, tag) in enumerate(self._histogram_tags):
            if kind == "out":
                values = np.concatenate(activations[index]) if activations[index] else []
            else:
                values = gradient_sums[index] / max(seen, 1)
            self.writer.histogram(tag, values, epoch)

    # ------------------------------------------------------------ embeddings
    def _write_embeddings(self):
        names = self.embeddings_layer_names or [layer.name for layer in self.model.layers
                                                if type(layer).__name__ == "Embedding"]
        layers = [layer for layer in self.model.layers if layer.name in names and layer.weights]
        if isinstance(self.embeddings_metadata, str):
            metadata = {layer.name: self.embeddings_metadata for layer in layers}
        else:
            metadata = self.embeddings_metadata
        folder = os.path.join(self.log_dir, "keras_embedding")
        os.makedirs(folder, exist_ok=True)
        config = []
        for layer in layers:
            values = np.asarray(K.get_value(layer.weights[0]))
            values = values.reshape(values.shape[0], -1) if values.ndim else values.reshape(1, 1)
            tensor_path = os.path.join("keras_embedding", layer.name + ".tsv")
            np.savetxt(os.path.join(self.log_dir, tensor_path), values, delimiter="\t", fmt="%.8g")
            config.append("embeddings {")
            config.append('  tensor_name: "%s"' % layer.name)
            config.append('  tensor_path: "%s"' % tensor_path)
            config.append("  tensor_shape: %d\n  tensor_shape: %d" % values.shape)
            if layer.name in metadata:
                config.append('  metadata_path: "%s"' % metadata[layer.name])
            config.append("}")
        with open(os.path.join(self.log_dir, "projector_config.pbtxt"), "w") as config_file:
            config_file.write("\n".join(config) + "\n")

    # ------------------------------------------------------------ events
    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        has_validation = self.validation_data is not None and len(self.validation_data) > 0
        if self.histogram_freq and not has_validation:
            raise ValueError("If printing histograms, validation_data must be provided, "
                             "and cannot be a generator.")
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_histograms(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self._write_embeddings()
        for name, value in logs.items():
            if name in ("batch", "size"):
                continue
            self.writer.scalar(name, np.asarray(value).item(), epoch)
        self.writer.flush()

    def on_train_end(self, logs=None):
        if self.writer is not None:
            self.writer.close()
            self.writer = None
