"""keralite.callbacks beyond the core ones: ModelCheckpoint, EarlyStopping,
LearningRateScheduler, ReduceLROnPlateau, CSVLogger, LambdaCallback, RemoteMonitor.
Expected values are worked out by hand from Keras 2.1.6's documented rules, or taken
from the History that fit() returns."""
import csv
import http.server
import json
import os
import socket
import threading
import urllib.parse

import numpy as np
import pytest

from keralite import backend as K
from keralite.callbacks import (CSVLogger, EarlyStopping, LambdaCallback, LearningRateScheduler,
                                ModelCheckpoint, ReduceLROnPlateau, RemoteMonitor)
from keralite.callbacks import remote as remote_module
from keralite.engine.sequential import Sequential
from keralite.layers import Dense
from keralite.models import load_model

rng = np.random.RandomState(7)
X = rng.rand(20, 3).astype("float32")
Y = rng.rand(20, 2).astype("float32")


def make_model():
    model = Sequential([Dense(2, input_shape=(3,))])
    model.compile("sgd", "mse")
    return model


def lr_of(model):
    return float(K.get_value(model.optimizer.lr))


def drive(callback, model, logs_per_epoch):
    """Run `callback` through a training of len(logs_per_epoch) epochs by hand."""
    callback.set_model(model)
    model.stop_training = False
    callback.on_train_begin({})
    for epoch, logs in enumerate(logs_per_epoch):
        callback.on_epoch_begin(epoch, {})
        callback.on_epoch_end(epoch, dict(logs))
        if model.stop_training:
            break
    callback.on_train_end({})
    return epoch


# ---------------------------------------------------------------- ModelCheckpoint
def test_checkpoint_names_use_epoch_from_one_and_logs(tmp_path):
    model = make_model()
    pattern = str(tmp_path / "weights.{epoch:02d}-{val_loss:.2f}.h5")
    history = model.fit(X, Y, epochs=3, batch_size=5, validation_split=0.25, verbose=0,
                        callbacks=[ModelCheckpoint(pattern)])
    expected = {"weights.%02d-%.2f.h5" % (i + 1, v) for i, v in enumerate(history.history["val_loss"])}
    assert set(os.listdir(tmp_path)) == expected
    # the last file is the whole model as it ended training
    last = "weights.03-%.2f.h5" % history.history["val_loss"][2]
    reloaded = load_model(str(tmp_path / last))
    np.testing.assert_allclose(reloaded.predict(X), model.predict(X), rtol=1e-6)


def test_checkpoint_weights_only_and_period(tmp_path):
    model = make_model()
    pattern = str(tmp_path / "w{epoch}.h5")
    model.fit(X, Y, epochs=4, batch_size=10, verbose=0,
              callbacks=[ModelCheckpoint(pattern, save_weights_only=True, period=2)])
    assert sorted(os.listdir(tmp_path)) == ["w2.h5", "w4.h5"]
    fresh = make_model()
    fresh.load_weights(str(tmp_path / "w4.h5"))
    for got, want in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(Exception):  # weights only: not a loadable model
        load_model(str(tmp_path / "w4.h5"))


def test_checkpoint_save_best_only_keeps_the_best(tmp_path, capsys):
    model = make_model()
    path = str(tmp_path / "best.h5")
    callback = ModelCheckpoint(path, monitor="val_loss", save_best_only=True,
                               save_weights_only=True, verbose=1)
    callback.set_model(model)
    kernels = {}
    for epoch, val_loss in enumerate([0.5, 0.7, 0.3, 0.3, 0.4]):
        kernel = np.full((3, 2), float(epoch), dtype="float32")
        model.set_weights([kernel, np.zeros(2, "float32")])
        kernels[epoch] = kernel
        callback.on_epoch_end(epoch, {"val_loss": val_loss})
    assert callback.best == 0.3
    fresh = make_model()
    fresh.load_weights(path)
    np.testing.assert_array_equal(fresh.get_weights()[0], kernels[2])  # epoch index 2 was the best
    out = capsys.readouterr().out
    assert ("\nEpoch 00001: val_loss improved from inf to 0.50000, saving model to %s\n" % path) in out
    assert "\nEpoch 00002: val_loss did not improve from 0.50000\n" in out
    assert "Epoch 00003: val_loss improved from 0.50000 to 0.30000" in out
    assert "\nEpoch 00004: val_loss did not improve from 0.30000\n" in out  # equal is no improvement
    assert "\nEpoch 00005: val_loss did not improve from 0.30000\n" in out


def test_checkpoint_best_only_files_per_epoch(tmp_path):
    model = make_model()
    callback = ModelCheckpoint(str(tmp_path / "m{epoch}.h5"), monitor="val_acc", save_best_only=True)
    callback.set_model(model)
    for epoch, acc in enumerate([0.5, 0.4, 0.8, 0.8, 0.9]):
        callback.on_epoch_end(epoch, {"val_acc": acc})
    assert sorted(os.listdir(tmp_path)) == ["m1.h5", "m3.h5", "m5.h5"]


def test_checkpoint_missing_monitor_warns_and_skips(tmp_path):
    model = make_model()
    callback = ModelCheckpoint(str(tmp_path / "m.h5"), monitor="val_loss", save_best_only=True)
    callback.set_model(model)
    with pytest.warns(RuntimeWarning, match="Can save best model only with val_loss available, skipping."):
        callback.on_epoch_end(0, {"loss": 1.0})
    assert os.listdir(tmp_path) == []


def test_checkpoint_verbose_plain_save(tmp_path, capsys):
    model = make_model()
    path = str(tmp_path / "m.h5")
    drive(ModelCheckpoint(path, verbose=1), model, [{"loss": 1.0}])
    assert capsys.readouterr().out == "\nEpoch 00001: saving model to %s\n" % path


@pytest.mark.parametrize("monitor, mode, expected", [
    ("val_loss", "auto", np.less),
    ("val_acc", "auto", np.greater),
    ("acc", "auto", np.greater),
    ("fmeasure", "auto", np.greater),
    ("val_fmeasure", "auto", np.less),  # Keras checks startswith('fmeasure') only
    ("val_acc", "min", np.less),
    ("val_loss", "max", np.greater),
])
def test_checkpoint_mode_rules(monitor, mode, expected):
    callback = ModelCheckpoint("unused.h5", monitor=monitor, mode=mode)
    assert callback.monitor_op is expected
    assert callback.best == (np.inf if expected is np.less else -np.inf)


def test_unknown_mode_warns_and_falls_back_to_auto():
    with pytest.warns(RuntimeWarning, match="ModelCheckpoint mode sideways is unknown, fallback to auto mode."):
        callback = ModelCheckpoint("unused.h5", monitor="val_acc", mode="sideways")
    assert callback.monitor_op is np.greater
    with pytest.warns(RuntimeWarning, match="EarlyStopping mode sideways is unknown"):
        assert EarlyStopping(mode="sideways").monitor_op is np.less
    with pytest.warns(RuntimeWarning, match="Learning Rate Plateau Reducing mode sideways is unknown"):
        callback = ReduceLROnPlateau(monitor="val_acc", mode="sideways")
    assert callback.best == -np.inf and callback.mode == "auto"


# ---------------------------------------------------------------- EarlyStopping
def test_early_stopping_in_fit(capsys):
    model = make_model()
    # min_delta far above any loss change: only the first epoch counts as an improvement
    stopper = EarlyStopping(monitor="loss", min_delta=10.0, patience=2, verbose=1)
    history = model.fit(X, Y, epochs=10, batch_size=10, verbose=0, callbacks=[stopper])
    assert len(history.history["loss"]) == 3
    assert stopper.stopped_epoch == 2
    assert capsys.readouterr().out == "Epoch 00003: early stopping\n"


def test_early_stopping_max_mode_sequence():
    model = make_model()
    stopper = EarlyStopping(monitor="val_acc", patience=2)
    logs = [{"val_acc": v} for v in [0.5, 0.6, 0.6, 0.55, 0.9, 0.9]]
    last = drive(stopper, model, logs)
    assert (last, stopper.stopped_epoch, stopper.best) == (3, 3, 0.6)
    # the instance is reset by on_train_begin and can be used again
    last = drive(stopper, model, [{"val_acc": v} for v in [0.1, 0.2, 0.3, 0.4]])
    assert (last, stopper.stopped_epoch, stopper.best, stopper.wait) == (3, 0, 0.4, 0)


def test_early_stopping_min_delta_and_patience_zero(capsys):
    model = make_model()
    stopper = EarlyStopping(monitor="val_loss", min_delta=0.1, patience=0, verbose=1)
    # 0.95 is better than 1.0, but not by more than 0.1: no improvement, stop at once
    last = drive(stopper, model, [{"val_loss": 1.0}, {"val_loss": 0.95}, {"val_loss": 0.5}])
    assert last == 1 and stopper.stopped_epoch == 1 and stopper.best == 1.0
    assert stopper.min_delta == -0.1
    assert capsys.readouterr().out == "Epoch 00002: early stopping\n"


def test_early_stopping_missing_monitor_warns():
    model = make_model()
    stopper = EarlyStopping(monitor="val_loss", patience=0)
    with pytest.warns(RuntimeWarning, match="Early stopping conditioned on metric `val_loss` which is "
                                            "not available. Available metrics are: loss"):
        last = drive(stopper, model, [{"loss": 1.0}, {"loss": 2.0}])
    assert last == 1 and not model.stop_training


def test_early_stopping_has_no_baseline_in_2_1_6():
    with pytest.raises(TypeError):
        EarlyStopping(baseline=0.5)


# ---------------------------------------------------------------- LearningRateScheduler
def record_lr_at_epoch_begin(model, seen):
    return LambdaCallback(on_epoch_begin=lambda epoch, logs: seen.append(lr_of(model)))


def test_scheduler_epoch_only_schedule(capsys):
    model = make_model()
    seen = []
    scheduler = LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1), verbose=1)
    model.fit(X, Y, epochs=3, batch_size=10, verbose=0,
              callbacks=[scheduler, record_lr_at_epoch_begin(model, seen)])
    np.testing.assert_allclose(seen, [0.1, 0.05, 0.1 / 3], rtol=1e-6)
    out = capsys.readouterr().out
    assert out == ("\nEpoch 00001: LearningRateScheduler reducing learning rate to 0.1.\n"
                   "\nEpoch 00002: LearningRateScheduler reducing learning rate to 0.05.\n"
                   "\nEpoch 00003: LearningRateScheduler reducing learning rate to %s.\n" % (0.1 / 3))


def test_scheduler_receives_current_lr():
    model = make_model()  # sgd starts at 0.01
    seen, received = [], []

    def halve(epoch, lr):
        received.append(lr)
        return lr * 0.5

    model.fit(X, Y, epochs=3, batch_size=10, verbose=0,
              callbacks=[LearningRateScheduler(halve), record_lr_at_epoch_begin(model, seen)])
    np.testing.assert_allclose(seen, [0.005, 0.0025, 0.00125], rtol=1e-6)
    np.testing.assert_allclose(received, [0.01, 0.005, 0.0025], rtol=1e-6)
    assert all(isinstance(lr, float) for lr in received)


def test_scheduler_optional_lr_keyword_and_errors():
    model = make_model()
    scheduler = LearningRateScheduler(lambda epoch, lr=None: lr + epoch)
    scheduler.set_model(model)
    scheduler.on_epoch_begin(2)
    assert lr_of(model) == pytest.approx(2.01)
    scheduler = LearningRateScheduler(lambda epoch: 1)  # an int is not a float
    scheduler.set_model(model)
    with pytest.raises(ValueError, match='The output of the "schedule" function should be float.'):
        scheduler.on_epoch_begin(0)

    def broken(epoch, lr):
        raise TypeError("inside the schedule")

    scheduler = LearningRateScheduler(broken)
    scheduler.set_model(model)
    with pytest.raises(TypeError, match="inside the schedule"):
        scheduler.on_epoch_begin(0)


# ---------------------------------------------------------------- ReduceLROnPlateau
def test_reduce_lr_on_plateau_sequence(capsys):
    model = make_model()
    reducer = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2, cooldown=1,
                                min_lr=0.002, verbose=1)
    reducer.set_model(model)
    reducer.on_train_begin({})
    lrs, logged = [], []
    for epoch in range(9):
        logs = {"val_loss": 1.0}
        reducer.on_epoch_end(epoch, logs)
        logged.append(float(logs["lr"]))
        lrs.append(lr_of(model))
    # worked by hand: reduce when 2 epochs pass without improvement, 1 epoch of cooldown
    # after each reduction, never below min_lr
    np.testing.assert_allclose(lrs, [.01, .01, .005, .005, .0025, .0025, .002, .002, .002], rtol=1e-6)
    # logs['lr'] is the rate in force during the epoch, before any reduction
    np.testing.assert_allclose(logged, [.01, .01, .01, .005, .005, .0025, .0025, .002, .002], rtol=1e-6)
    out = capsys.readouterr().out.split("\n")
    messages = [line for line in out if line]
    assert messages[0].startswith("Epoch 00003: ReduceLROnPlateau reducing learning rate to 0.00499999")
    assert messages[2] == "Epoch 00007: ReduceLROnPlateau reducing learning rate to 0.002."
    # as in Keras 2.1.6: the float32 rate 0.002 reads as 0.0020000000949949026 > min_lr, so
    # one more "reduction" (to min_lr again) is announced after the next plateau
    assert messages[3] == "Epoch 00009: ReduceLROnPlateau reducing learning rate to 0.002."
    assert len(messages) == 4


def test_reduce_lr_improvement_resets_wait():
    model = make_model()
    reducer = ReduceLROnPlateau(monitor="val_acc", factor=0.1, patience=2, min_delta=0.05)
    reducer.set_model(model)
    reducer.on_train_begin({})
    # max mode ('acc'): 0.52 is within min_delta of 0.5 and does not count; 0.6 does
    for epoch, acc in enumerate([0.5, 0.52, 0.6, 0.61, 0.62]):
        reducer.on_epoch_end(epoch, {"val_acc": acc})
    assert lr_of(model) == pytest.approx(0.001)
    assert reducer.best == 0.6


def test_reduce_lr_in_fit_records_lr_in_history():
    model = make_model()
    reducer = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=10.0)
    history = model.fit(X, Y, epochs=3, batch_size=10, verbose=0, callbacks=[reducer])
    np.testing.assert_allclose(history.history["lr"], [0.01, 0.01, 0.005], rtol=1e-6)
    assert lr_of(model) == pytest.approx(0.0025)


def test_reduce_lr_arguments():
    with pytest.raises(ValueError, match="does not support a factor >= 1.0"):
        ReduceLROnPlateau(factor=1.0)
    with pytest.warns(UserWarning, match="`epsilon` argument is deprecated"):
        reducer = ReduceLROnPlateau(epsilon=0.25)
    assert reducer.min_delta == 0.25
    model = make_model()
    reducer = ReduceLROnPlateau()
    reducer.set_model(model)
    with pytest.warns(RuntimeWarning, match="Reduce LR on plateau conditioned on metric `val_loss`"):
        reducer.on_epoch_end(0, {"loss": 1.0})


# ---------------------------------------------------------------- CSVLogger
def read_rows(path, separator=","):
    with open(path, newline="") as handle:
        return list(csv.reader(handle, delimiter=separator))


def test_csv_logger_writes_header_and_rows(tmp_path):
    model = make_model()
    path = str(tmp_path / "log.csv")
    history = model.fit(X, Y, epochs=3, batch_size=5, validation_split=0.25, verbose=0,
                        callbacks=[CSVLogger(path)])
    rows = read_rows(path)
    assert rows[0] == ["epoch", "loss", "val_loss"]
    for epoch, row in enumerate(rows[1:]):
        assert row == [str(epoch), str(history.history["loss"][epoch]), str(history.history["val_loss"][epoch])]
    assert len(rows) == 4
    with open(path, "rb") as handle:
        assert handle.read().count(b"\r\n") == 4  # the excel dialect's line ends


def test_csv_logger_append_and_separator(tmp_path):
    model = make_model()
    path = str(tmp_path / "log.tsv")
    model.fit(X, Y, epochs=2, batch_size=10, verbose=0, callbacks=[CSVLogger(path, separator="\t")])
    model.fit(X, Y, epochs=2, batch_size=10, verbose=0,
              callbacks=[CSVLogger(path, separator="\t", append=True)])
    rows = read_rows(path, "\t")
    assert [row[0] for row in rows] == ["epoch", "0", "1", "0", "1"]
    # a fresh logger without append starts the file again
    model.fit(X, Y, epochs=1, batch_size=10, verbose=0, callbacks=[CSVLogger(path, separator="\t")])
    assert [row[0] for row in read_rows(path, "\t")] == ["epoch", "0"]


def test_csv_logger_append_to_empty_file_writes_header(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("")
    drive(CSVLogger(str(path), append=True), make_model(), [{"loss": 0.5}])
    assert read_rows(str(path)) == [["epoch", "loss"], ["0", "0.5"]]


def test_csv_logger_value_formats_and_na_on_stop(tmp_path):
    model = make_model()
    path = str(tmp_path / "log.csv")
    logger = CSVLogger(path)
    logger.set_model(model)
    model.stop_training = False
    logger.on_train_begin({})
    logger.on_epoch_end(0, {"b": np.array([1, 2]), "a": "text", "c": np.float64(0.25), "d": np.array(3.5)})
    model.stop_training = True
    logger.on_epoch_end(1, {"a": "x"})
    logger.on_train_end({})
    assert read_rows(path) == [["epoch", "a", "b", "c", "d"],
                               ["0", "text", '"[1, 2]"', "0.25", "3.5"],
                               ["1", "x", "NA", "NA", "NA"]]


# ---------------------------------------------------------------- LambdaCallback
def test_lambda_callback_event_order():
    events = []
    callback = LambdaCallback(
        on_train_begin=lambda logs: events.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: events.append("epoch_begin %d" % epoch),
        on_batch_begin=lambda batch, logs: events.append("batch_begin %d %d" % (batch, logs["size"])),
        on_batch_end=lambda batch, logs: events.append("batch_end %d %s" % (batch, "loss" in logs)),
        on_epoch_end=lambda epoch, logs: events.append("epoch_end %d %s" % (epoch, sorted(logs))),
        on_train_end=lambda logs: events.append("train_end"),
        tag="mine")
    assert callback.tag == "mine"
    make_model().fit(X, Y, epochs=2, batch_size=12, verbose=0, callbacks=[callback])
    epoch = lambda e: ["epoch_begin %d" % e, "batch_begin 0 12", "batch_end 0 True",
                       "batch_begin 1 8", "batch_end 1 True", "epoch_end %d ['loss']" % e]
    assert events == ["train_begin"] + epoch(0) + epoch(1) + ["train_end"]


def test_lambda_callback_defaults_do_nothing():
    callback = LambdaCallback()
    drive(callback, make_model(), [{"loss": 1.0}])
    callback.on_batch_begin(0, {})
    callback.on_batch_end(0, {})


# ---------------------------------------------------------------- RemoteMonitor
class RecordingHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.received.append((self.path, dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_server(monkeypatch):
    """An HTTP server on 127.0.0.1 and a free port that records every POST."""
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    server = http.server.HTTPServer(("127.0.0.1", 0), RecordingHandler)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def root_of(server):
    return "http://127.0.0.1:%d" % server.server_address[1]


@pytest.mark.parametrize("client", ["requests", "urllib"])
def test_remote_monitor_posts_form_field(loopback_server, monkeypatch, client):
    if client == "urllib":
        monkeypatch.setattr(remote_module, "requests", None)
    elif remote_module.requests is None:
        pytest.skip("requests is not installed")
    model = make_model()
    monitor = RemoteMonitor(root=root_of(loopback_server))
    history = model.fit(X, Y, epochs=2, batch_size=10, verbose=0, callbacks=[monitor])
    assert len(loopback_server.received) == 2
    for epoch, (path, headers, body) in enumerate(loopback_server.received):
        assert path == "/publish/epoch/end/"
        assert headers["Content-Type"] == "application/x-www-form-urlencoded"
        form = urllib.parse.parse_qs(body.decode())
        assert list(form) == ["data"]
        payload = json.loads(form["data"][0])
        assert payload == {"epoch": epoch, "loss": pytest.approx(float(history.history["loss"][epoch]))}


@pytest.mark.parametrize("client", ["requests", "urllib"])
def test_remote_monitor_send_as_json_with_headers(loopback_server, monkeypatch, client):
    if client == "urllib":
        monkeypatch.setattr(remote_module, "requests", None)
    elif remote_module.requests is None:
        pytest.skip("requests is not installed")
    monitor = RemoteMonitor(root=root_of(loopback_server), path="/hook", field="ignored",
                            headers={"X-Run": "abc"}, send_as_json=True)
    monitor.on_epoch_end(4, {"loss": np.float32(0.5), "acc": np.array(0.25), "n": 3})
    (path, headers, body), = loopback_server.received
    assert path == "/hook"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Run"] == "abc"
    assert json.loads(body) == {"epoch": 4, "loss": 0.5, "acc": 0.25, "n": 3}


@pytest.mark.parametrize("client", ["requests", "urllib"])
def test_remote_monitor_unreachable_server_warns(monkeypatch, client):
    if client == "urllib":
        monkeypatch.setattr(remote_module, "requests", None)
    elif remote_module.requests is None:
        pytest.skip("requests is not installed")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with socket.socket() as probe:  # a loopback port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = "http://127.0.0.1:%d" % port
    with pytest.warns(UserWarning, match="could not reach RemoteMonitor root server at " + root):
        RemoteMonitor(root=root).on_epoch_end(0, {"loss": 1.0})
