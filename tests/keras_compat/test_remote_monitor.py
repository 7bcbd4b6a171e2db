"""RemoteMonitor needs no extra dependency (urllib) and never stalls training for long
on a server that does not answer."""
import json
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from keralite.callbacks import RemoteMonitor
from keralite.callbacks import remote


@pytest.fixture
def recording_server():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            received.append((self.path, self.headers["Content-Type"], self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            return None

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "http://127.0.0.1:%d" % server.server_address[1], received
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_server():
    """A socket that accepts connections (through the kernel's backlog) and never answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    yield "http://127.0.0.1:%d" % listener.getsockname()[1]
    listener.close()


@pytest.fixture(params=["urllib", "requests"])
def client(request, monkeypatch):
    if request.param == "urllib":
        monkeypatch.setattr(remote, "requests", None)
    elif remote.requests is None:
        pytest.skip("requests is not installed")
    return request.param


def test_posts_epoch_logs_with_the_standard_library(recording_server, monkeypatch):
    monkeypatch.setattr(remote, "requests", None)
    root, received = recording_server
    RemoteMonitor(root=root).on_epoch_end(3, {"loss": 0.5})
    RemoteMonitor(root=root, path="/json", send_as_json=True).on_epoch_end(4, {"acc": 1.0})
    path, content_type, body = received[0]
    assert path == "/publish/epoch/end/" and content_type == "application/x-www-form-urlencoded"
    assert json.loads(urllib.parse.parse_qs(body.decode())["data"][0]) == {"epoch": 3, "loss": 0.5}
    path, content_type, body = received[1]
    assert path == "/json" and content_type == "application/json"
    assert json.loads(body) == {"epoch": 4, "acc": 1.0}


def test_a_server_that_never_answers_only_warns_promptly(silent_server, client):
    monitor = RemoteMonitor(root=silent_server)
    monitor.timeout = 0.3
    start = time.monotonic()
    with pytest.warns(UserWarning, match="could not reach RemoteMonitor root server"):
        monitor.on_epoch_end(0, {"loss": 1.0})
    assert time.monotonic() - start < 5.0
    assert RemoteMonitor.timeout <= 10.0
