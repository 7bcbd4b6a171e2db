"""keralite.distributed in one process (a world of size 1, as without mpirun): the API
answers, the split train step gives the weights the ordinary one does (its gradients
written into, and the update reading them from, one aligned exchange buffer), saving and
loading keep the optimizer state, the callbacks' arithmetic, and the agreement check's
description of a model. The MPI jobs themselves are in test_mpi_jobs.py."""
import mmap

import numpy as np
import pytest

import keralite as keras
import keralite.distributed as hvd
from keralite import backend as K
from keralite.distributed.agreement import first_difference, model_description
from keralite.distributed.callbacks import warmup_multiplier
from keralite.distributed.gradient_buffer import GradientBuffer
from keralite.layers import BatchNormalization, Dense
from keralite.models import Sequential
from keralite.optimizers import SGD, Adam, RMSprop



@pytest.fixture(autouse=True, scope="module")
def world_of_one():
    """Joins the world when these tests run (not when the suite is collected)."""
    hvd.init()


def make_model(hidden=12, batch_norm=False, seed=3):
    np.random.seed(seed)
    layers = [Dense(hidden, activation="tanh", input_shape=(7,))]
    if batch_norm:
        layers.append(BatchNormalization())
    layers.append(Dense(3, activation="softmax"))
    return Sequential(layers)


def make_data(samples=70):
    state = np.random.RandomState(5)
    x = state.rand(samples, 7).astype("float32")
    y = keras.utils.to_categorical(state.randint(0, 3, samples), 3)
    return x, y


def test_a_process_without_mpirun_is_a_world_of_one():
    assert (hvd.size(), hvd.rank(), hvd.local_size(), hvd.local_rank()) == (1, 0, 1, 0)


@pytest.mark.parametrize("optimizer, batch_norm", [
    (lambda: Adam(lr=0.01), False),
    (lambda: SGD(lr=0.1, momentum=0.9, nesterov=True, clipnorm=0.5), True),
    (lambda: RMSprop(lr=0.01, decay=0.01), False),
])
def test_the_split_train_step_trains_as_the_single_call_does(optimizer, batch_norm):
    x, y = make_data()
    plain, distributed = make_model(batch_norm=batch_norm), make_model(batch_norm=batch_norm)
    distributed.set_weights(plain.get_weights())
    plain.compile(optimizer(), "categorical_crossentropy", metrics=["acc"])
    distributed.compile(hvd.DistributedOptimizer(optimizer()), "categorical_crossentropy", metrics=["acc"])
    # 70 samples at 16: the last batch is smaller, which the weighted average must handle
    plain_history = plain.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    distributed_history = distributed.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for ours, theirs in zip(distributed.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(ours, theirs, atol=1e-6)
    for ours, theirs in zip(distributed.optimizer.get_weights(), plain.optimizer.get_weights()):
        np.testing.assert_allclose(ours, theirs, atol=1e-6)
    np.testing.assert_allclose(distributed_history.history["loss"], plain_history.history["loss"], rtol=1e-6)
    timings = distributed.train_function.timings()
    assert timings["steps"] == 10
    assert timings["gradient_bytes"] == 4 * (distributed.count_params() - 2 * 12 * batch_norm)
    assert 0 <= timings["communication_share"] < 1


def test_gradients_are_written_into_the_exchanged_buffer_and_the_update_reads_them_there():
    x, y = make_data(20)
    np.random.seed(4)
    model = Sequential([Dense(3, activation="softmax", input_shape=(7,))])
    model.compile(hvd.DistributedOptimizer(SGD(lr=0.5)), "categorical_crossentropy")
    kernel, bias = model.get_weights()
    model.train_on_batch(x, y)
    # the gradient of the mean cross-entropy of a softmax layer, by hand
    logits = x @ kernel + bias
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    kernel_gradient = x.T @ (probabilities - y) / len(x)
    bias_gradient = (probabilities - y).sum(axis=0) / len(x)
    step = model.train_function
    buffer = step.gradient_buffer
    np.testing.assert_allclose(buffer, np.concatenate([kernel_gradient.ravel(), bias_gradient]), atol=1e-6)
    new_kernel, new_bias = model.get_weights()
    np.testing.assert_allclose(new_kernel, kernel - 0.5 * kernel_gradient, atol=1e-6)
    np.testing.assert_allclose(new_bias, bias - 0.5 * bias_gradient, atol=1e-6)
    # what MPI leaves in the buffer is what the update applies: it reads the buffer in place
    exchanged = np.linspace(-1, 1, buffer.size).astype(np.float32)
    buffer[:] = exchanged
    step.update_function([])
    final_kernel, final_bias = model.get_weights()
    np.testing.assert_allclose(final_kernel, new_kernel - 0.5 * exchanged[:21].reshape(7, 3), atol=1e-6)
    np.testing.assert_allclose(final_bias, new_bias - 0.5 * exchanged[21:], atol=1e-6)
    # asked again (TensorBoard's gradient histograms), the optimizer gives the same gradients
    gradients = model.optimizer.get_gradients(model.total_loss, model.trainable_weights)
    np.testing.assert_array_equal(np.concatenate([K.get_value(g).ravel() for g in gradients]), exchanged)


@pytest.mark.parametrize("shapes, alignment", [([(7, 3), (3,)], 64), ([(600, 512), (512,)], 2 << 20)])
def test_the_gradient_variables_are_spans_of_one_aligned_buffer(shapes, alignment):
    params = [K.variable(np.ones(shape)) for shape in shapes]
    gradient_buffer = GradientBuffer(params)
    flat = gradient_buffer.flat
    assert flat.dtype == np.float32 and flat.size == sum(int(np.prod(shape)) for shape in shapes)
    # a large buffer starts on a huge page for MPI's copies (where the OS has them), a
    # small one on a cache line
    alignment = alignment if hasattr(mmap, "MADV_HUGEPAGE") else 64
    assert flat.ctypes.data % alignment == 0 and not flat.any()
    offset = 0
    for variable, shape in zip(gradient_buffer.variables, shapes):
        assert variable.value.shape == shape
        assert variable.value.ctypes.data == flat.ctypes.data + 4 * offset
        offset += int(np.prod(shape))
    # what compiled code writes into a gradient variable is in the flat buffer MPI sums
    K.function([], [], updates=[(gradient_buffer.variables[1], K.ones(shapes[1]) * 2)])([])
    np.testing.assert_array_equal(flat[-shapes[1][0]:], 2)
    assert not flat[:-shapes[1][0]].any()


def test_the_distributed_optimizer_is_still_its_class_and_shares_its_variables():
    base = Adam(lr=0.003)
    optimizer = hvd.DistributedOptimizer(base)
    assert isinstance(optimizer, Adam) and type(optimizer).__name__ == "Adam"
    assert optimizer.lr is base.lr
    assert keras.optimizers.serialize(optimizer)["class_name"] == "Adam"
    assert isinstance(hvd.DistributedOptimizer("sgd"), SGD)


def test_unsupported_devices_and_compression_are_refused():
    with pytest.raises(ValueError, match="CPUs only"):
        hvd.DistributedOptimizer(Adam(), device_dense="/gpu:0")
    with pytest.raises(ValueError, match="compression"):
        hvd.DistributedOptimizer(Adam(), compression=object())
    with pytest.raises(ValueError, match="CPUs only"):
        hvd.callbacks.BroadcastGlobalVariablesCallback(0, device="/gpu:0")


def test_load_model_resumes_with_the_optimizer_state(tmp_path):
    x, y = make_data()
    model = make_model()
    model.compile(hvd.DistributedOptimizer(Adam(lr=0.01)), "categorical_crossentropy")
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    path = str(tmp_path / "checkpoint.h5")
    model.save(path)
    loaded = hvd.load_model(path)
    assert isinstance(loaded.optimizer, Adam) and hasattr(loaded.optimizer, "build_train_function")
    for ours, theirs in zip(loaded.optimizer.get_weights(), model.optimizer.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    loaded.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    for ours, theirs in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(ours, theirs)
    # a file written with the distributed optimizer loads in a plain keralite too
    assert type(keras.models.load_model(path).optimizer) is Adam


def test_collectives_of_a_world_of_one_return_their_input():
    values = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(hvd.allreduce(values), values)
    assert hvd.allreduce(np.array([1, 2, 3]), average=False).dtype == np.int64
    np.testing.assert_array_equal(hvd.allreduce(K.variable(values)), values)
    np.testing.assert_array_equal(hvd.allgather(K.constant(2.5)), [2.5])
    np.testing.assert_array_equal(hvd.broadcast(K.ones((2,)) * 3, root_rank=0), [3.0, 3.0])
    assert hvd.broadcast(np.array(7), root_rank=0).shape == ()
    with pytest.raises(ValueError, match="bool"):
        hvd.allreduce(np.array([True]))
    with pytest.raises(ValueError, match="float16"):
        hvd.allreduce(np.zeros(2, np.float16))


def test_shard_takes_every_nth_sample():
    x = np.arange(10)
    assert hvd.shard(x, rank_index=1, ranks=3).tolist() == [1, 4, 7]
    first, second = hvd.shard([x, x * 2], rank_index=0, ranks=2)
    assert first.tolist() == [0, 2, 4, 6, 8] and second.tolist() == [0, 4, 8, 12, 16]
    assert hvd.shard(x).tolist() == x.tolist()


def test_predict_and_evaluate_on_a_world_of_one_are_the_models():
    x, y = make_data()
    model = make_model()
    model.compile(Adam(), "categorical_crossentropy", metrics=["acc"])
    np.testing.assert_array_equal(hvd.predict(model, x), model.predict(x))
    np.testing.assert_allclose(hvd.evaluate(model, x, y), model.evaluate(x, y, verbose=0))


def test_warmup_goes_from_a_rank_share_to_the_full_rate():
    assert warmup_multiplier(0.0, 5, 4) == pytest.approx(0.25)
    assert warmup_multiplier(2.5, 5, 4) == pytest.approx(0.625)
    assert warmup_multiplier(5.0, 5, 4) == pytest.approx(1.0)
    assert warmup_multiplier(3.0, 5, 1) == pytest.approx(1.0)


def test_the_schedule_callback_sets_the_rate_and_corrects_momentum():
    x, y = make_data(64)
    model = make_model()
    model.compile(hvd.DistributedOptimizer(SGD(lr=0.1, momentum=0.5)), "categorical_crossentropy")
    seen = []

    class Record(keras.callbacks.Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append((float(K.get_value(model.optimizer.lr)), float(K.get_value(model.optimizer.momentum))))

    schedule = hvd.callbacks.LearningRateScheduleCallback(lambda epoch: 0.5 ** epoch, staircase=False)
    history = model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0, callbacks=[schedule, Record()])
    rates = [lr for lr, _ in seen]
    np.testing.assert_allclose(rates, [0.1, 0.1 * 0.5 ** 0.5, 0.05, 0.1 * 0.5 ** 1.5], rtol=1e-6)
    # momentum scaled by the change of rate during the batch that changed it, then restored
    np.testing.assert_allclose([m for _, m in seen[1:]], [0.5 * r / p for r, p in zip(rates[1:], rates)],
                               rtol=1e-6)
    assert float(K.get_value(model.optimizer.momentum)) == pytest.approx(0.5)
    assert history.history["lr"] == pytest.approx([rates[1], rates[3]])


def test_the_warmup_callback_ends_at_the_initial_rate():
    x, y = make_data(64)
    model = make_model()
    model.compile(hvd.DistributedOptimizer(Adam(lr=0.02)), "categorical_crossentropy")
    warmup = hvd.callbacks.LearningRateWarmupCallback(warmup_epochs=1)
    model.fit(x, y, batch_size=32, epochs=2, verbose=0, callbacks=[warmup])
    assert float(K.get_value(model.optimizer.lr)) == pytest.approx(0.02)


def test_the_model_description_names_what_differs():
    wide, narrow = make_model(hidden=12), make_model(hidden=13)
    for model in (wide, narrow):
        model.compile(hvd.DistributedOptimizer(Adam()), "categorical_crossentropy")
        model._make_train_function()
    label, ours, theirs = first_difference(model_description(narrow), model_description(wide))
    assert label.startswith("layer 0")
    assert (ours, theirs) == ('Dense {"units": 13}', 'Dense {"units": 12}')
    same = make_model(hidden=12)
    same.compile(hvd.DistributedOptimizer(Adam()), "categorical_crossentropy")
    same._make_train_function()
    assert first_difference(model_description(same), model_description(wide)) is None
    other_optimizer = make_model(hidden=12)
    other_optimizer.compile(hvd.DistributedOptimizer(SGD()), "categorical_crossentropy")
    other_optimizer._make_train_function()
    label, _, _ = first_difference(model_description(other_optimizer), model_description(wide))
    assert label == "optimizer"


def test_without_mpi4py_a_plain_process_is_a_world_of_one_and_a_launched_one_fails(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "mpi4py", None)      # as if mpi4py were not installed
    for name in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"):
        monkeypatch.delenv(name, raising=False)
    try:
        hvd.init()
        assert (hvd.size(), hvd.rank(), hvd.local_size(), hvd.local_rank()) == (1, 0, 1, 0)
        assert not hvd.mpi_threads_supported()
        np.testing.assert_array_equal(hvd.allreduce(np.ones(3)), np.ones(3))
        monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "2")
        with pytest.raises(ImportError, match="distributed extra"):
            hvd.init()
    finally:
        monkeypatch.undo()
        hvd.init()
