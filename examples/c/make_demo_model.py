"""The small model the CMake build exports when no KERALITE_EXPORT_DIR is given.

    python examples/c/make_demo_model.py OUT_DIR

writes OUT_DIR/demo_model.h5 (a 16-32-32-4 MLP with dropout and a softmax, seeded), and
OUT_DIR/demo_x.npy with OUT_DIR/demo_y0.npy: 5 inputs and the outputs model.predict gives
for them, which the C examples must reproduce. Likewise OUT_DIR/demo_lstm_model.h5 with
demo_lstm_x.npy / demo_lstm_y0.npy: a recurrent model (Embedding -> LSTM -> Dense) over
12 time steps, whose loop runs inside the exported library.
"""
import os
import sys

import numpy as np


def main(out_dir):
    from keralite.models import Sequential
    from keralite.layers import Dense, Dropout
    os.makedirs(out_dir, exist_ok=True)
    np.random.seed(1)
    model = Sequential([Dense(32, activation="relu", input_shape=(16,)), Dropout(0.2),
                        Dense(32, activation="tanh"), Dense(4, activation="softmax")])
    model.save(os.path.join(out_dir, "demo_model.h5"))
    x = np.random.RandomState(2).rand(5, 16).astype("float32")
    np.save(os.path.join(out_dir, "demo_x.npy"), x)
    np.save(os.path.join(out_dir, "demo_y0.npy"), model.predict(x))

    from keralite.layers import Embedding, LSTM
    recurrent = Sequential([Embedding(50, 8, input_length=12), LSTM(16, recurrent_dropout=0.2),
                            Dense(3, activation="softmax")])
    recurrent.save(os.path.join(out_dir, "demo_lstm_model.h5"))
    ids = np.random.RandomState(3).randint(0, 50, size=(4, 12)).astype("int32")
    np.save(os.path.join(out_dir, "demo_lstm_x.npy"), ids)
    np.save(os.path.join(out_dir, "demo_lstm_y0.npy"), recurrent.predict(ids))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: make_demo_model.py OUT_DIR")
    main(sys.argv[1])
