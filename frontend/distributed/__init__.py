"""keralite.distributed: data-parallel training on MPI with Horovod's Keras API.

`import keralite.distributed as hvd`, then as with Horovod::

    hvd.init()
    model.compile(optimizer=hvd.DistributedOptimizer(RMSprop(lr=0.001 * hvd.size())), ...)
    callbacks = [hvd.callbacks.BroadcastGlobalVariablesCallback(0),
                 hvd.callbacks.MetricAverageCallback()]
    if hvd.rank() == 0:
        callbacks.append(keras.callbacks.ModelCheckpoint("checkpoint.h5"))
    model.fit(x_shard, y_shard, callbacks=callbacks, verbose=1 if hvd.rank() == 0 else 0)

launched with `mpirun -np N python train.py`. Each rank runs the same compiled train
step on its own batch; the gradients are summed by MPI_Allreduce in one runtime-owned
buffer between the backward pass and the compiled update (see train_step.py).
"""
from . import callbacks  # noqa: F401
from .agreement import RankDisagreementError, check_ranks_agree  # noqa: F401
from .callbacks import (BroadcastGlobalVariablesCallback, MetricAverageCallback,  # noqa: F401
                        LearningRateScheduleCallback, LearningRateWarmupCallback)
from .collectives import (allreduce, allgather, broadcast, broadcast_variables,  # noqa: F401
                          gather_rows, barrier)
from .optimizer import DistributedOptimizer  # noqa: F401
from .saving import load_model  # noqa: F401
from .sharding import shard, predict, evaluate  # noqa: F401
from .world import (init, size, rank, local_size, local_rank, mpi_threads_supported,  # noqa: F401
                    NotInitializedError)
