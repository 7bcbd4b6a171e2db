"""Recurrent models exported: the loop lives in the library. An LSTM/GRU stack with a fixed
time length and an LSTM whose input leaves the length open (fixed by --seq-len) give
model.predict's numbers from load_library and from the C example program."""
import numpy as np
import pytest

from export_helpers import build_c, parse_outputs, run_c, save_inputs

TOL = 1e-5


def _stack(seed=0):
    from keralite.models import Sequential
    from keralite.layers import LSTM, GRU, Dense, Embedding
    np.random.seed(seed)
    return Sequential([Embedding(30, 6, input_length=7), LSTM(8, return_sequences=True, go_backwards=True),
                       GRU(5), Dense(3, activation="softmax")])


def _open_length(seed=1):
    from keralite.models import Sequential
    from keralite.layers import LSTM, Dense
    np.random.seed(seed)
    return Sequential([LSTM(6, input_shape=(None, 4), recurrent_activation="hard_sigmoid"), Dense(2)])


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    from keralite.export import export_model
    from keralite.runtime import load_library
    out = {}
    for name, model, options in (("rnn_stack", _stack(), {}), ("rnn_open", _open_length(), {"seq_len": 5})):
        directory = tmp_path_factory.mktemp(name)
        export_model(model, str(directory), name=name, **options)
        out[name] = (model, str(directory), load_library(str(directory)))
    return out


def _inputs(name, batch, seed):
    rng = np.random.RandomState(seed)
    if name == "rnn_stack":
        return rng.randint(0, 30, size=(batch, 7)).astype("int32")
    return rng.randn(batch, 5, 4).astype("float32")


@pytest.mark.parametrize("batch", [1, 3, 9])
def test_load_library_matches_predict(exports, batch):
    for name, (model, _, lib) in exports.items():
        x = _inputs(name, batch, seed=batch)
        np.testing.assert_allclose(lib.predict(x), model.predict(x), rtol=0, atol=TOL)


def test_c_program_matches_predict(exports, tmp_path):
    for name, (model, directory, lib) in exports.items():
        program = build_c(directory, name, "run_model", tmp_path / f"run_{name}")
        x = _inputs(name, 4, seed=7)
        printed = parse_outputs(run_c(program, *save_inputs(tmp_path, [x], name)).stdout)
        np.testing.assert_allclose(printed[0], model.predict(x), rtol=0, atol=TOL)


def test_open_length_needs_seq_len(tmp_path):
    from keralite.export import export_model, ExportError
    with pytest.raises(ExportError, match="--seq-len N"):
        export_model(_open_length(), str(tmp_path / "x"), name="needs_len")
    with pytest.raises(ExportError, match="no input of the model has a time axis of unknown length"):
        export_model(_stack(), str(tmp_path / "y"), name="fixed_len", seq_len=4)
