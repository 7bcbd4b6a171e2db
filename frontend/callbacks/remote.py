"""RemoteMonitor: POSTs the epoch logs to an HTTP server."""
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np

from .core import Callback

try:
    import requests
except ImportError:  # the standard library's urllib does the same job
    requests = None


def _plain(value):
    """A JSON-serialisable form of a log value (numpy scalars and arrays to Python)."""
    if isinstance(value, np.ndarray):
        return value.item() if value.size == 1 else value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


class RemoteMonitor(Callback):
    """At each epoch end, POSTs {'epoch': epoch, **logs} to `root + path`.

    By default the JSON text is sent as the form field `field`
    (application/x-www-form-urlencoded); with `send_as_json=True` it is the request body
    (application/json). `headers` adds HTTP headers. A server that cannot be reached,
    or that does not answer within `timeout` seconds (a class attribute, so that an
    absent network never stalls training for long), only gives a warning. The standard
    library's urllib does the work; `requests` is used instead when it is installed.

    # Arguments
        root: String; the root URL of the target server.
        path: String; the path relative to `root` to which the events are sent.
        field: String; the form field under which the JSON text is sent.
        headers: Dictionary; optional custom HTTP headers.
        send_as_json: Boolean; whether the request body is the JSON text itself.
    """

    timeout = 5.0

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data",
                 headers=None, send_as_json=False):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        payload = {"epoch": epoch}
        for key, value in (logs or {}).items():
            payload[key] = _plain(value)
        url = self.root + self.path
        try:
            if requests is not None:
                self._post_with_requests(url, payload)
            else:
                self._post_with_urllib(url, payload)
        except _unreachable_errors():
            warnings.warn("Warning: could not reach RemoteMonitor root server at " + str(self.root))

    def _post_with_requests(self, url, payload):
        if self.send_as_json:
            requests.post(url, json=payload, headers=self.headers, timeout=self.timeout)
        else:
            requests.post(url, {self.field: json.dumps(payload)}, headers=self.headers, timeout=self.timeout)

    def _post_with_urllib(self, url, payload):
        if self.send_as_json:
            body = json.dumps(payload).encode("utf-8")
            headers = {"Content-Type": "application/json"}
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(payload)}).encode("ascii")
            headers = {"Content-Type": "application/x-www-form-urlencoded"}
        headers.update(self.headers or {})
        try:
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        except ValueError as error:  # a malformed url: unreachable, as requests sees it
            raise urllib.error.URLError(error)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError:
            pass  # the server answered; like requests, an error status is not an error here


def _unreachable_errors():
    """The exceptions that mean 'no answer from the server' for the client in use."""
    errors = (OSError, http.client.HTTPException)
    if requests is not None:
        errors = (requests.exceptions.RequestException,) + errors
    return errors
