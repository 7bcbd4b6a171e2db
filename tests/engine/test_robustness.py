"""Nothing lost, clear refusals (issue 11's first and small items): saves replace files
atomically (a save interrupted part-way, here by an error raised while the weights are
written as a kill would, leaves the previous file whole and no temporary file behind; a
finished save keeps the old file's permissions), and fit/evaluate/predict refuse a batch
size that is not a positive integer."""
import os
import stat

import numpy as np
import pytest

from keralite.models import Sequential, load_model
from keralite.layers import Dense
from keralite.engine import saving


def _model(seed):
    np.random.seed(seed)
    model = Sequential([Dense(4, input_shape=(3,), activation="relu"), Dense(2)])
    model.compile("sgd", "mse")
    return model


class Interrupted(Exception):
    pass


def _interrupting(monkeypatch):
    real = saving.save_weights_to_hdf5_group

    def write_then_fail(group, layers):
        real(group, layers[:1])          # part of the new file is already on disk
        raise Interrupted("killed mid-save")
    monkeypatch.setattr(saving, "save_weights_to_hdf5_group", write_then_fail)


@pytest.mark.parametrize("how", ["save", "save_weights"])
def test_an_interrupted_save_keeps_the_previous_file(tmp_path, monkeypatch, how):
    path = tmp_path / "model.h5"
    old, new = _model(0), _model(1)
    x = np.random.RandomState(2).rand(5, 3).astype("float32")
    getattr(old, how)(str(path))
    before = path.read_bytes()
    _interrupting(monkeypatch)
    with pytest.raises(Interrupted):
        getattr(new, how)(str(path))
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["model.h5"]        # no temporary left behind
    monkeypatch.undo()
    if how == "save":
        np.testing.assert_allclose(load_model(str(path)).predict(x), old.predict(x), rtol=1e-6)
    else:
        new.load_weights(str(path))
        np.testing.assert_allclose(new.predict(x), old.predict(x), rtol=1e-6)


def test_a_finished_save_replaces_the_file_and_keeps_its_mode(tmp_path):
    path = tmp_path / "model.h5"
    _model(0).save(str(path))
    os.chmod(path, 0o640)
    second = _model(3)
    second.save(str(path))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(load_model(str(path)).predict(x), second.predict(x), rtol=1e-6)
    assert sorted(os.listdir(tmp_path)) == ["model.h5"]


@pytest.mark.parametrize("batch_size", [0, -3, 2.5])
def test_a_batch_size_that_is_not_a_positive_integer_is_refused(batch_size):
    model = _model(0)
    x, y = np.ones((4, 3), "float32"), np.ones((4, 2), "float32")
    for call in (lambda: model.fit(x, y, batch_size=batch_size, verbose=0),
                 lambda: model.evaluate(x, y, batch_size=batch_size, verbose=0),
                 lambda: model.predict(x, batch_size=batch_size)):
        with pytest.raises(ValueError, match="batch_size must be a positive integer"):
            call()


KILL_CHILD = r"""
import sys
import numpy as np
from keralite.models import Sequential
from keralite.layers import Dense
path = sys.argv[1]
np.random.seed(0)
model = Sequential([Dense(256, input_shape=(512,)), Dense(256), Dense(10)])
model.save(path)
print("ready", flush=True)
while True:
    model.save(path)
"""


def test_sigkill_during_saves_never_loses_the_file(tmp_path):
    # a child saves a ~1.5 MB model in a loop; killed at random moments, the path must
    # always hold a whole file (KERALITE_KILL_TRIES raises the count from 20)
    import random
    import signal
    import subprocess
    import sys
    import time
    tries = int(os.environ.get("KERALITE_KILL_TRIES", "20"))
    rng = random.Random(0)
    path = tmp_path / "looped.h5"
    for attempt in range(tries):
        child = subprocess.Popen([sys.executable, "-c", KILL_CHILD, str(path)], stdout=subprocess.PIPE,
                                 text=True)
        try:
            assert child.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.0, 0.3))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
            child.stdout.close()
        model = load_model(str(path))
        assert model.count_params() == 512 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10, attempt


def test_every_path_from_a_config_refuses_stored_bytecode(tmp_path):
    # a Lambda whose stored bytecode would plant a file when run: no public way from a
    # config (read from a file) to layers may run it unless asked to (safe_mode=False)
    import json
    from keralite import layers as keras_layers
    from keralite.layers import Input, Lambda
    from keralite.models import Model as FunctionalModel, model_from_config, model_from_json, model_from_yaml
    marker = tmp_path / "planted"

    def plant(t, marker_path=str(marker)):
        open(marker_path, "w").write("planted code ran")
        return t

    x = Input((3,))
    functional = FunctionalModel(x, Lambda(plant)(x))
    sequential = Sequential([Lambda(plant, input_shape=(3,))])
    functional.save(str(tmp_path / "functional.h5"))
    config = json.loads(functional.to_json())
    seq_config = json.loads(sequential.to_json())
    lambda_config = {"class_name": "Lambda", "config": seq_config["config"][0]["config"]
                     if isinstance(seq_config["config"], list) else seq_config["config"]["layers"][0]["config"]}
    marker.unlink()         # building the models above traced (so ran) the function once
    doors = {
        "model_from_config": lambda: model_from_config(config),
        "Model.from_config": lambda: FunctionalModel.from_config(config["config"]),
        "Sequential.from_config": lambda: Sequential.from_config(seq_config["config"]),
        "layers.deserialize": lambda: keras_layers.deserialize(lambda_config),
        "Lambda.from_config": lambda: Lambda.from_config(lambda_config["config"]),
        "model_from_json": lambda: model_from_json(functional.to_json()),
        "model_from_yaml": lambda: model_from_yaml(functional.to_yaml()),
        "load_model": lambda: load_model(str(tmp_path / "functional.h5")),
    }
    for door, call in doors.items():
        with pytest.raises(ValueError, match="stores Python bytecode"):
            call()
        assert not marker.exists(), door
    # told to trust the file, the same config loads (and its function runs when called)
    trusted = model_from_config(config, safe_mode=False)
    trusted.predict(np.ones((1, 3), "float32"))
    assert marker.read_text() == "planted code ran"
