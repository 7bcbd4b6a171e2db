"""The MLP of Keras' mnist_mlp example (784-512-512-10, relu, dropout 0.2, softmax,
RMSprop, categorical cross-entropy): one train step at batch 128, and predict at batch 1
and 1024, keralite against PyTorch and tf_keras when installed, in one run.

    python benchmarks/bench_mlp.py
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _timing import best_time, optional  # noqa: E402


def keralite_model():
    from keralite.models import Sequential
    from keralite.layers import Dense, Dropout
    model = Sequential([Dense(512, activation="relu", input_shape=(784,)), Dropout(0.2),
                        Dense(512, activation="relu"), Dropout(0.2), Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    return model


def tf_keras_model(tfk):
    model = tfk.models.Sequential([tfk.layers.Dense(512, activation="relu", input_shape=(784,)),
                                   tfk.layers.Dropout(0.2), tfk.layers.Dense(512, activation="relu"),
                                   tfk.layers.Dropout(0.2), tfk.layers.Dense(10, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    return model


def torch_step(torch):
    nn = torch.nn
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2), nn.Linear(512, 512), nn.ReLU(),
                          nn.Dropout(0.2), nn.Linear(512, 10))
    opt = torch.optim.RMSprop(model.parameters(), lr=0.001, alpha=0.9, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()

    def step(x, labels):
        model.train()
        opt.zero_grad()
        logits = model(x)
        loss = loss_fn(logits, labels)
        loss.backward()
        opt.step()
        return loss.item(), (logits.argmax(1) == labels).float().mean().item()

    def predict(x):
        model.eval()
        with torch.no_grad():
            return torch.softmax(model(x), 1).numpy()
    return step, predict


def main():
    rng = np.random.RandomState(0)
    x = rng.rand(1024, 784).astype("float32")
    labels = rng.randint(0, 10, 1024)
    y = np.eye(10, dtype="float32")[labels]
    xb, yb = x[:128], y[:128]
    x1 = x[:1]
    rows = []
    model = keralite_model()
    rows.append(("keralite",
                 best_time(lambda: model.train_on_batch(xb, yb), repeat=20, number=5),
                 best_time(lambda: model.predict_on_batch(x1), repeat=20, number=50),
                 best_time(lambda: model.predict_on_batch(x), repeat=10, number=5)))
    torch = optional("torch")
    if torch is not None:
        step, predict = torch_step(torch)
        tx, tl = torch.from_numpy(xb), torch.from_numpy(labels[:128])
        t1, tall = torch.from_numpy(x1), torch.from_numpy(x)
        rows.append(("pytorch " + torch.__version__,
                     best_time(lambda: step(tx, tl), repeat=20, number=5),
                     best_time(lambda: predict(t1), repeat=20, number=50),
                     best_time(lambda: predict(tall), repeat=10, number=5)))
    tfk = optional("tf_keras")
    if tfk is not None:
        m = tf_keras_model(tfk)
        rows.append(("tf_keras " + tfk.__version__,
                     best_time(lambda: m.train_on_batch(xb, yb), repeat=20, number=5),
                     best_time(lambda: m.predict_on_batch(x1), repeat=20, number=50),
                     best_time(lambda: m.predict_on_batch(x), repeat=10, number=5)))
    ours = rows[0]
    print("MLP 784-512-512-10 (relu, dropout 0.2, RMSprop): milliseconds, best of repeats")
    print(f"{'':22s} {'train b128':>11s} {'predict b1':>11s} {'predict b1024':>14s}")
    for name, train, p1, p1024 in rows:
        print(f"{name:22s} {train * 1e3:11.3f} {p1 * 1e3:11.3f} {p1024 * 1e3:14.3f}")
    for name, train, p1, p1024 in rows[1:]:
        print(f"keralite vs {name}: train {train / ours[1]:.2f}x faster, predict b1 {p1 / ours[2]:.2f}x, "
              f"predict b1024 {p1024 / ours[3]:.2f}x")


if __name__ == "__main__":
    main()
