"""The program each rank runs in the MPI tests: `mpirun -np N python -m mpi4py
mpi_worker.py SCENARIO`. It prints `SCENARIO OK ...` on rank 0 when its checks hold.

Scenarios:
  equality  N ranks train with DistributedOptimizer on strided shards (the last step's
            batches unequal); their weights must equal those of one process with
            plain Adam at the same global batch (1e-5), be identical on every rank,
            and the collectives, metric averaging and sharded predict/evaluate must
            give the single-process answers.
  disagree  rank 1 builds a wider layer: every rank must stop at the first step with
            RankDisagreementError.
  uneven    rank 1 holds one batch more than rank 0: every rank must stop before the
            first step instead of rank 1 waiting forever in its extra step.
  kill      rank 1 dies (SIGKILL) during training: mpirun must end the job.
"""
import os
import signal
import sys

import numpy as np

import keralite as keras
import keralite.distributed as hvd
from keralite import backend as K
from keralite.layers import Dense
from keralite.models import Sequential
from keralite.optimizers import Adam

LOCAL_BATCH = 16
SAMPLES = 192


def make_model(hidden=24, seed=0):
    np.random.seed(seed)
    model = Sequential([Dense(hidden, activation="relu", input_shape=(12,)),
                        Dense(5, activation="softmax")])
    return model


def make_data():
    state = np.random.RandomState(0)
    x = state.rand(SAMPLES, 12).astype("float32")
    y = keras.utils.to_categorical(state.randint(0, 5, SAMPLES), 5)
    return x, y


def check(condition, message):
    if not condition:
        raise AssertionError(f"rank {hvd.rank()}: {message}")


def check_collectives():
    rank, size = hvd.rank(), hvd.size()
    summed = hvd.allreduce(np.full((2, 3), rank + 1.0, np.float32), average=False)
    check(np.all(summed == size * (size + 1) / 2), f"allreduce sum gave {summed}")
    mean = hvd.allreduce(K.variable(np.full(4, float(rank))))
    check(np.allclose(mean, (size - 1) / 2.0), f"allreduce mean of a variable gave {mean}")
    rows = hvd.allgather(np.full((rank + 1, 2), rank, np.int64))
    expected = np.concatenate([np.full((r + 1, 2), r, np.int64) for r in range(size)])
    check(np.array_equal(rows, expected), f"allgather gave {rows}")
    value = hvd.broadcast(np.arange(5.0) * (rank + 1), root_rank=size - 1)
    check(np.array_equal(value, np.arange(5.0) * size), f"broadcast gave {value}")
    try:
        hvd.allreduce(np.zeros(rank + 1))
    except ValueError as error:
        check("every rank must pass the same" in str(error), str(error))
    else:
        check(False, "allreduce of different shapes did not raise")


def equality():
    hvd.init()
    rank, size = hvd.rank(), hvd.size()
    check_collectives()
    x, y = make_data()
    # every rank starts from other weights: the broadcast callback must fix that
    model = make_model(seed=100 + rank)
    initial = model.get_weights()
    model.compile(hvd.DistributedOptimizer(Adam(lr=0.01)), "categorical_crossentropy", metrics=["acc"])
    callbacks = [hvd.callbacks.BroadcastGlobalVariablesCallback(0), hvd.callbacks.MetricAverageCallback()]
    # one sample short: the last step's batches are 16 and 15 samples, which the
    # average over the ranks must weigh by their sizes to match one process
    trained = SAMPLES - 1
    x_shard, y_shard = hvd.shard([x[:trained], y[:trained]])
    history = model.fit(x_shard, y_shard, batch_size=LOCAL_BATCH, epochs=2, shuffle=False, verbose=0,
                        callbacks=callbacks)
    weights = np.concatenate([w.ravel() for w in model.get_weights()])
    every_rank = hvd.allgather(weights[None, :])
    check(np.array_equal(every_rank, np.repeat(every_rank[:1], size, axis=0)), "replicas differ")
    losses = hvd.allgather(np.array([history.history["loss"]]))
    check(np.array_equal(losses, np.repeat(losses[:1], size, axis=0)), "averaged epoch losses differ")
    timings = model.train_function.timings()

    predictions = hvd.predict(model, x, batch_size=32)
    scores = hvd.evaluate(model, x, y, batch_size=32)
    # one sample: rank 1 has none to predict or evaluate
    one_prediction = hvd.predict(model, x[:1])
    one_score = hvd.evaluate(model, x[:1], y[:1])
    if rank != 0:
        return
    check(np.allclose(predictions, model.predict(x, batch_size=32), atol=1e-6), "sharded predict differs")
    full_scores = model.evaluate(x, y, batch_size=SAMPLES, verbose=0)
    check(np.allclose(one_prediction, model.predict(x[:1]), atol=1e-6), "predict of one sample differs")
    check(np.allclose(one_score, model.evaluate(x[:1], y[:1], verbose=0), atol=1e-6), "evaluate of one sample")
    check(np.allclose(scores, full_scores, atol=1e-5), f"sharded evaluate {scores} vs {full_scores}")

    reference = make_model(seed=999)
    reference.set_weights(initial)          # rank 0's start, which was broadcast
    reference.compile(Adam(lr=0.01), "categorical_crossentropy", metrics=["acc"])
    reference.fit(x[:trained], y[:trained], batch_size=LOCAL_BATCH * size, epochs=2, shuffle=False, verbose=0)
    difference = max(float(np.abs(a - b).max()) for a, b in zip(model.get_weights(), reference.get_weights()))
    check(difference < 1e-5, f"weights differ from one process at the global batch by {difference}")
    print(f"equality OK ranks={size} max_difference={difference:.3g} steps={timings['steps']} "
          f"communication_share={timings['communication_share']:.3f}", flush=True)


def disagree():
    hvd.init()
    x, y = make_data()
    model = make_model(hidden=24 if hvd.rank() == 0 else 25)
    model.compile(hvd.DistributedOptimizer(Adam()), "categorical_crossentropy")
    model.train_on_batch(x[:LOCAL_BATCH], y[:LOCAL_BATCH])
    print(f"rank {hvd.rank()} trained a step without noticing", flush=True)


def uneven():
    hvd.init()
    x, y = make_data()
    model = make_model()
    model.compile(hvd.DistributedOptimizer(Adam()), "categorical_crossentropy")
    samples = 2 * LOCAL_BATCH if hvd.rank() == 0 else 3 * LOCAL_BATCH
    model.fit(x[:samples], y[:samples], batch_size=LOCAL_BATCH, epochs=1, verbose=0,
              callbacks=[hvd.callbacks.BroadcastGlobalVariablesCallback(0)])
    print(f"rank {hvd.rank()} FINISHED", flush=True)


class _DieAtBatch(keras.callbacks.Callback):
    def on_batch_begin(self, batch, logs=None):
        if batch == 3:
            os.kill(os.getpid(), signal.SIGKILL)


def kill():
    hvd.init()
    x, y = make_data()
    model = make_model()
    model.compile(hvd.DistributedOptimizer(Adam()), "categorical_crossentropy")
    callbacks = [_DieAtBatch()] if hvd.rank() == 1 else []
    model.fit(x, y, batch_size=LOCAL_BATCH, epochs=50, verbose=0, callbacks=callbacks)
    print(f"rank {hvd.rank()} FINISHED", flush=True)


if __name__ == "__main__":
    {"equality": equality, "disagree": disagree, "uneven": uneven, "kill": kill}[sys.argv[1]]()
