"""Train a small MLP on scikit-learn's 8x8 digits with the keralite backend alone.

The whole train step (forward pass, cross-entropy, gradients and RMSprop updates) is one
compiled native call per batch. Run: python examples/k_digits_mlp.py
"""
import time

import numpy as np
from sklearn.datasets import load_digits

from keralite import backend as K


def main(epochs=30, batch_size=64, seed=0):
    rng = np.random.RandomState(seed)
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")
    y = np.eye(10, dtype="float32")[digits.target]
    order = rng.permutation(len(x))
    x, y = x[order], y[order]
    split = int(0.8 * len(x))
    x_train, y_train, x_test, y_test = x[:split], y[:split], x[split:], y[split:]

    def glorot(n_in, n_out):
        limit = np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-limit, limit, (n_in, n_out))

    params = [K.variable(glorot(64, 128)), K.variable(np.zeros(128)),
              K.variable(glorot(128, 10)), K.variable(np.zeros(10))]
    w1, b1, w2, b2 = params
    inputs, targets = K.placeholder((None, 64)), K.placeholder((None, 10))
    hidden = K.in_train_phase(K.dropout(K.relu(K.dot(inputs, w1) + b1), 0.2),
                              K.relu(K.dot(inputs, w1) + b1), training=1)
    probs = K.softmax(K.dot(hidden, w2) + b2)
    loss = K.mean(K.categorical_crossentropy(targets, probs))

    # RMSprop, written with backend updates
    lr, rho = 0.003, 0.9
    updates = []
    for p, g in zip(params, K.gradients(loss, params)):
        acc = K.zeros(K.int_shape(p))
        new_acc = rho * acc + (1 - rho) * K.square(g)
        updates += [K.update(acc, new_acc), K.update(p, p - lr * g / (K.sqrt(new_acc) + K.epsilon()))]

    start = time.time()
    train = K.function([inputs, targets], [loss], updates=updates)
    test_probs = K.softmax(K.dot(K.relu(K.dot(inputs, w1) + b1), w2) + b2)
    predict = K.function([inputs], [test_probs])
    print(f"compiled in {time.time() - start:.2f} s")

    start = time.time()
    for epoch in range(epochs):
        order = rng.permutation(len(x_train))
        losses = [train([x_train[order[i:i + batch_size]], y_train[order[i:i + batch_size]]])[0]
                  for i in range(0, len(order), batch_size)]
        if epoch % 10 == 9 or epoch == epochs - 1:
            print(f"epoch {epoch + 1}: loss {np.mean(losses):.4f}")
    accuracy = np.mean(predict([x_test])[0].argmax(1) == y_test.argmax(1))
    print(f"trained in {time.time() - start:.2f} s; test accuracy {accuracy:.4f}")
    return accuracy


if __name__ == "__main__":
    main()
