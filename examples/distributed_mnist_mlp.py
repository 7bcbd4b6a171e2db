"""Keras' mnist_mlp example trained data-parallel on several processes with MPI, through
keralite.distributed (Horovod's Keras API), on the 8x8 digits of scikit-learn.

Each rank trains on its own share of the training set at --batch-size samples per
step; the gradients are averaged across ranks before every update, so N ranks train
one model at a global batch of N x --batch-size. Rank 0 prints progress and writes an
atomic checkpoint after every epoch; running the same command again resumes from the
last checkpoint.

    mpirun --allow-run-as-root --bind-to core -np 2 python examples/distributed_mnist_mlp.py
    python examples/distributed_mnist_mlp.py          # the same script on one process

(--allow-run-as-root is needed only as root; --bind-to core pins one rank per core;
with more ranks than cores, --oversubscribe instead, which leaves the ranks unpinned.)
"""
import argparse
import glob
import os
import re
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import keralite as keras
import keralite.distributed as hvd
from keralite.layers import Dense, Dropout
from keralite.models import Sequential
from keralite.optimizers import RMSprop

CHECKPOINT_NAME = "checkpoint-{epoch}.h5"


def load_data(seed=0):
    """The digits as in examples/mnist_mlp.py, with the training samples in one fixed
    random order: every epoch reads them in that order (fit's shuffle is off), so a
    resumed run sees exactly the batches an uninterrupted one would."""
    digits = load_digits()
    x = digits.data.astype("float32") / 16.0
    y = keras.utils.to_categorical(digits.target, 10)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, random_state=seed,
                                                        stratify=digits.target)
    order = np.random.RandomState(seed).permutation(len(x_train))
    return x_train[order], x_test, y_train[order], y_test


def build_model(dropout, lr):
    model = Sequential()
    model.add(Dense(512, activation="relu", input_shape=(64,)))
    if dropout:
        model.add(Dropout(dropout))
    model.add(Dense(512, activation="relu"))
    if dropout:
        model.add(Dropout(dropout))
    model.add(Dense(10, activation="softmax"))
    # gradients averaged over the ranks before every update
    model.compile(loss="categorical_crossentropy", optimizer=hvd.DistributedOptimizer(RMSprop(lr=lr)),
                  metrics=["accuracy"])
    return model


def last_checkpoint(directory):
    """(epoch, path) of the newest checkpoint in `directory`, or (0, None)."""
    found = []
    for path in glob.glob(os.path.join(directory, CHECKPOINT_NAME.format(epoch="*"))):
        match = re.search(r"checkpoint-(\d+)\.h5$", path)
        if match:
            found.append((int(match.group(1)), path))
    return max(found) if found else (0, None)


def main(epochs=10, batch_size=32, lr=None, dropout=0.2, warmup_epochs=2, checkpoint_dir="checkpoints",
         output=None):
    hvd.init()
    np.random.seed(0)
    lr = 0.001 * hvd.size() if lr is None else lr    # Horovod's rule: N times the batch, N times the rate
    x_train, x_test, y_train, y_test = load_data()

    # rank 0 decides where to resume from, so every rank loads the same file
    resume_epoch, path = last_checkpoint(checkpoint_dir) if hvd.rank() == 0 else (0, None)
    resume_epoch = int(hvd.broadcast(np.array(resume_epoch), root_rank=0))
    if resume_epoch:
        model = hvd.load_model(os.path.join(checkpoint_dir, CHECKPOINT_NAME.format(epoch=resume_epoch)))
    else:
        model = build_model(dropout, lr)
    if hvd.rank() == 0:
        print(f"{hvd.size()} rank(s), global batch {batch_size * hvd.size()}, "
              f"{len(x_train)} train samples, {len(x_test)} test samples"
              + (f", resuming after epoch {resume_epoch}" if resume_epoch else ""))

    callbacks = [
        # every rank starts from rank 0's weights and optimizer state
        hvd.callbacks.BroadcastGlobalVariablesCallback(0),
        # epoch metrics averaged over the ranks before anything reads them
        hvd.callbacks.MetricAverageCallback(),
    ]
    if warmup_epochs and hvd.size() > 1:
        callbacks.append(hvd.callbacks.LearningRateWarmupCallback(warmup_epochs=warmup_epochs, initial_lr=lr,
                                                                   verbose=int(hvd.rank() == 0)))
    if hvd.rank() == 0:
        os.makedirs(checkpoint_dir, exist_ok=True)
        callbacks.append(keras.callbacks.ModelCheckpoint(os.path.join(checkpoint_dir, CHECKPOINT_NAME)))

    x_shard, y_shard = hvd.shard([x_train, y_train])
    start = time.time()
    model.fit(x_shard, y_shard, batch_size=batch_size, epochs=epochs, initial_epoch=resume_epoch,
              shuffle=False, callbacks=callbacks, verbose=2 if hvd.rank() == 0 else 0)
    timings = model.train_function.timings()
    # the test set split over the ranks, the scores combined on rank 0
    score = hvd.evaluate(model, x_test, y_test, batch_size=128)
    if hvd.rank() == 0:
        print("training took %.2f s; %.1f%% of the step time in the gradient all-reduce"
              % (time.time() - start, 100 * timings["communication_share"]))
        print("Test loss:", score[0])
        print("Test accuracy:", score[1])
        if output:
            model.save(output)
            print("saved the trained model to", output)
    return score


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=32, help="samples per step on each rank")
    parser.add_argument("--lr", type=float, default=None, help="learning rate (default 0.001 x ranks)")
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--warmup-epochs", type=int, default=2)
    parser.add_argument("--checkpoint-dir", default="checkpoints")
    parser.add_argument("--output", default=None, help="where rank 0 saves the final model")
    args = parser.parse_args()
    main(args.epochs, args.batch_size, args.lr, args.dropout, args.warmup_epochs, args.checkpoint_dir,
         args.output)
