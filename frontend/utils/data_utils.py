"""Data feeding (keras.utils.data_utils): the Sequence protocol, the enqueuers that
prepare batches in worker threads or processes while the model trains, and get_file
with its hashing and archive helpers."""
import hashlib
import multiprocessing
import os
import pickle
import queue
import random
import shutil
import tarfile
import threading
import traceback
import warnings
import zipfile
from concurrent.futures import ThreadPoolExecutor, ProcessPoolExecutor
from http.client import HTTPException
from urllib.error import HTTPError, URLError
from urllib.parse import urlparse
from urllib.request import url2pathname, urlopen

import numpy as np

from .io_utils import atomic_path


# ------------------------------------------------------------------------- Sequence
class Sequence:
    """A dataset of batches with random access: implement `__getitem__(index)` (the
    batch at `index`) and `__len__()` (the number of batches). `on_epoch_end()` runs
    after each pass. Safe to use with several workers, each batch being read once
    per epoch, unlike a generator."""

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def on_epoch_end(self):
        """Called after each epoch; override it to reshuffle or change the data between epochs."""
        pass

    def __iter__(self):
        for index in range(len(self)):
            yield self[index]


class SequenceEnqueuer:
    """Base class of the enqueuers: `start(workers, max_queue_size)`, then iterate
    over `get()`, then `stop()`."""

    def is_running(self):
        raise NotImplementedError

    def start(self, workers=1, max_queue_size=10):
        raise NotImplementedError

    def stop(self, timeout=None):
        raise NotImplementedError

    def get(self):
        raise NotImplementedError


_WORKER_SEQUENCE = None


def _init_sequence_worker(sequence):
    """Runs once in each worker process: keeps the sequence it will read from."""
    global _WORKER_SEQUENCE
    _WORKER_SEQUENCE = sequence


def _get_sequence_item(index):
    return _WORKER_SEQUENCE[index]


def _process_context():
    """Worker processes are forked where the platform can, as Keras 2 did."""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _put_until_stopped(target_queue, item, stop_event, poll=0.05):
    """`target_queue.put(item)`, giving up (False) if `stop_event` is set meanwhile."""
    while not stop_event.is_set():
        try:
            target_queue.put(item, timeout=poll)
            return True
        except queue.Full:
            continue
    return False


class OrderedEnqueuer(SequenceEnqueuer):
    """Reads a Sequence in parallel and yields its batches in order, epoch after epoch.

    Workers are threads, or processes with `use_multiprocessing`. At most
    `max_queue_size` batches are requested ahead of the consumer.
    `sequence.on_epoch_end()` runs between epochs, once every batch of the epoch has
    been consumed.

    # Arguments
        sequence: the `Sequence` to read.
        use_multiprocessing: whether the workers are processes instead of threads.
        shuffle: whether to reshuffle the batch order every epoch.
    """

    def __init__(self, sequence, use_multiprocessing=False, shuffle=False):
        self.sequence = sequence
        self.use_multiprocessing = use_multiprocessing
        self.shuffle = shuffle
        self.workers = 0
        self.queue = None
        self.stop_signal = None
        self.run_thread = None
        self._executor = None
        self._executor_lock = threading.Lock()

    def is_running(self):
        """Whether the enqueuer was started and not stopped.

        # Returns
            Boolean.
        """
        return self.stop_signal is not None and not self.stop_signal.is_set()

    def start(self, workers=1, max_queue_size=10):
        """Starts reading batches in the background.

        # Arguments
            workers: the number of threads or processes.
            max_queue_size: the most batches read ahead of the consumer.
        """
        self.workers = max(1, int(workers))
        self.queue = queue.Queue(max(1, int(max_queue_size)))
        self.stop_signal = threading.Event()
        self.run_thread = threading.Thread(target=self._run, daemon=True)
        self.run_thread.start()

    def _new_executor(self):
        if self.use_multiprocessing:
            # A fresh pool per epoch, so the workers see what on_epoch_end changed. Forked
            # workers inherit the sequence as it is (as in Keras): it need not pickle.
            return ProcessPoolExecutor(self.workers, mp_context=_process_context(),
                                       initializer=_init_sequence_worker, initargs=(self.sequence,))
        return ThreadPoolExecutor(self.workers)

    def _submit(self, executor, index):
        if self.use_multiprocessing:
            return executor.submit(_get_sequence_item, index)
        return executor.submit(self.sequence.__getitem__, index)

    def _wait_until_consumed(self):
        """Block until the consumer has taken every batch put so far (or stop)."""
        with self.queue.all_tasks_done:
            while self.queue.unfinished_tasks and not self.stop_signal.is_set():
                self.queue.all_tasks_done.wait(0.1)

    def _run(self):
        indices = list(range(len(self.sequence)))
        if not indices:
            self._fail(ValueError("The Sequence given to OrderedEnqueuer is empty (len() is 0)."))
            return
        while not self.stop_signal.is_set():
            if self.shuffle:
                random.shuffle(indices)
            executor = self._new_executor()
            with self._executor_lock:
                self._executor = executor
            try:
                for index in indices:
                    if self.stop_signal.is_set():
                        return
                    future = self._submit(executor, index)
                    if not _put_until_stopped(self.queue, future, self.stop_signal):
                        future.cancel()
                        return
                self._wait_until_consumed()
            except Exception as error:  # e.g. a broken process pool
                self._fail(error)
                return
            finally:
                with self._executor_lock:
                    self._executor = None
                executor.shutdown(wait=not self.stop_signal.is_set(), cancel_futures=True)
            if self.stop_signal.is_set():
                return
            try:
                self.sequence.on_epoch_end()
            except Exception as error:
                self._fail(error)
                return

    def _fail(self, error):
        """Hand an error of the feeding thread to the consumer, who raises it."""
        _put_until_stopped(self.queue, _FailedItem(error), self.stop_signal)

    def get(self):
        """Yields the batches in order until the enqueuer is stopped.

        # Returns
            A generator of batches.

        # Raises
            Exception: whatever `__getitem__` raised in a worker; the enqueuer is stopped
                first.
        """
        while self.is_running():
            try:
                future = self.queue.get(block=True, timeout=0.1)
            except queue.Empty:
                if not self.run_thread.is_alive() and self.queue.empty():
                    return  # the feeding thread ended without a word: nothing more will come
                continue
            try:
                item = future.result()
            except BaseException:
                self.queue.task_done()
                self.stop()
                raise
            self.queue.task_done()
            if item is not None:
                yield item

    def stop(self, timeout=None):
        """Stops the workers and drops the batches still queued.

        # Arguments
            timeout: seconds to wait for the feeding thread to end (None: no limit).
        """
        if self.stop_signal is None:
            return
        self.stop_signal.set()
        with self._executor_lock:
            executor = self._executor
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        with self.queue.mutex:
            for pending in self.queue.queue:
                pending.cancel()
            self.queue.queue.clear()
            self.queue.unfinished_tasks = 0
            self.queue.not_full.notify_all()
            self.queue.all_tasks_done.notify_all()
        if self.run_thread is not None and self.run_thread is not threading.current_thread():
            self.run_thread.join(timeout)


class _FailedItem:
    """Stands in the queue for a batch that could not be requested at all."""

    def __init__(self, error):
        self.error = error

    def result(self):
        raise self.error

    def cancel(self):
        return False


def _generator_thread_task(generator, lock, output_queue, stop_event):
    while not stop_event.is_set():
        with lock:  # one next() at a time, and batches enter the queue in order
            try:
                item = next(generator)
            except StopIteration:
                return
            except Exception as error:
                _put_until_stopped(output_queue, (False, error), stop_event)
                stop_event.set()
                return
            if not _put_until_stopped(output_queue, (True, item), stop_event):
                return


def _generator_process_task(generator, output_queue, stop_event, seed):
    np.random.seed(seed)
    random.seed(seed)
    while not stop_event.is_set():
        try:
            item = next(generator)
        except StopIteration:
            break
        except Exception as error:
            traceback.print_exc()
            try:
                pickle.dumps(error)
            except Exception:  # the exception cannot travel to the parent: send its text
                error = RuntimeError("".join(traceback.format_exception_only(type(error), error)).strip())
            output_queue.put((False, error))
            stop_event.set()
            break
        if not _put_until_stopped(output_queue, (True, item), stop_event):
            break
    output_queue.close()


class GeneratorEnqueuer(SequenceEnqueuer):
    """Runs a Python generator in the background, filling a queue that training reads.

    With threads, the workers share the generator under a lock. With
    `use_multiprocessing`, each worker process runs its own copy of it, so each yields
    the same data unless the generator is random: prefer a Sequence there.

    # Arguments
        generator: the generator to run.
        use_multiprocessing: whether the workers are processes instead of threads.
        wait_time: seconds to wait on an empty queue before checking the workers.
        seed: seeds numpy's and Python's random generators in each process
            (`seed + i` for worker i), so processes draw different data.
    """

    def __init__(self, generator, use_multiprocessing=False, wait_time=0.05, seed=None):
        self.wait_time = wait_time
        self._generator = generator
        self._use_multiprocessing = use_multiprocessing
        self._threads = []
        self._stop_event = None
        self.queue = None
        self.seed = seed

    def start(self, workers=1, max_queue_size=10):
        """Starts the workers.

        # Arguments
            workers: the number of threads or processes.
            max_queue_size: the queue's capacity.

        # Raises
            ValueError: for `use_multiprocessing` on a platform without the `fork` start
                method.
        """
        workers = max(1, int(workers))
        max_queue_size = max(1, int(max_queue_size))
        try:
            if self._use_multiprocessing:
                context = _process_context()
                if context.get_start_method() != "fork":
                    raise ValueError("GeneratorEnqueuer with use_multiprocessing=True needs the 'fork' start "
                                     "method, which this platform lacks: use a keralite.utils.Sequence instead.")
                self.queue = context.Queue(maxsize=max_queue_size)
                self._stop_event = context.Event()
                for i in range(workers):
                    seed = None if self.seed is None else self.seed + i
                    process = context.Process(target=_generator_process_task, daemon=True,
                                              args=(self._generator, self.queue, self._stop_event, seed))
                    self._threads.append(process)
                    process.start()
            else:
                self.queue = queue.Queue(maxsize=max_queue_size)
                self._stop_event = threading.Event()
                lock = threading.Lock()
                for _ in range(workers):
                    thread = threading.Thread(target=_generator_thread_task, daemon=True,
                                              args=(self._generator, lock, self.queue, self._stop_event))
                    self._threads.append(thread)
                    thread.start()
        except BaseException:
            self.stop()
            raise

    def is_running(self):
        """Whether the enqueuer was started and not stopped.

        # Returns
            Boolean.
        """
        return self._stop_event is not None and not self._stop_event.is_set()

    def stop(self, timeout=None):
        """Stops the workers (terminating worker processes) and drops the queue.

        # Arguments
            timeout: seconds to wait for each worker to end (None: no limit).
        """
        if self._stop_event is not None:
            self._stop_event.set()
        for worker in self._threads:
            if self._use_multiprocessing:
                if worker.is_alive():
                    worker.terminate()
                worker.join(timeout)
            else:
                worker.join(timeout)
        if self._use_multiprocessing and self.queue is not None:
            self.queue.cancel_join_thread()
            self.queue.close()
        self._threads = []
        self._stop_event = None
        self.queue = None

    def _take(self):
        """The next (ok, value) pair from the queue, or None when it stays empty."""
        try:
            return self.queue.get(timeout=self.wait_time)
        except queue.Empty:
            return None

    def _raise_if_a_process_died(self):
        """A worker process killed, or ended by os._exit, sends no exception: say so
        rather than let its silence look like the end of the data."""
        if not self._use_multiprocessing:
            return
        exit_codes = [worker.exitcode for worker in self._threads if worker.exitcode]
        if exit_codes:
            self.stop()
            raise RuntimeError("A GeneratorEnqueuer worker process ended abruptly (exit code %d) while "
                               "running the generator." % exit_codes[0])

    def get(self):
        """Yields the generator's outputs until every worker has finished.

        # Returns
            A generator of the items the workers produced.

        # Raises
            Exception: whatever the generator raised in a worker (the enqueuer is stopped
                first).
            RuntimeError: when a worker process ended abruptly.
        """
        while self.queue is not None:
            entry = self._take()
            if entry is None:
                self._raise_if_a_process_died()
                if not any(worker.is_alive() for worker in self._threads):
                    entry = self._take()  # something may have arrived just before the end
                    if entry is None:
                        return
                else:
                    continue
            ok, value = entry
            if not ok:
                self.stop()
                raise value
            if value is not None:
                yield value


# ------------------------------------------------------------------------- get_file
def _default_cache_dir():
    """KERAS_HOME when it is set (as later Keras 2 releases read it), else ~/.keras."""
    keras_home = os.environ.get("KERAS_HOME")
    if keras_home:
        return keras_home
    return os.path.join(os.path.expanduser("~"), ".keras")


def _is_writable_dir(path):
    """Whether `path` is a writable folder, or does not exist yet but could be made."""
    if os.path.exists(path):
        return os.access(path, os.W_OK)
    parent = os.path.dirname(os.path.abspath(path))
    return os.path.isdir(parent) and os.access(parent, os.W_OK)


def _hash_file(fpath, algorithm="sha256", chunk_size=65535):
    """The hex digest of a file; `algorithm` is 'sha256' (also for 'auto') or 'md5'."""
    hasher = hashlib.md5() if algorithm == "md5" else hashlib.sha256()
    with open(fpath, "rb") as fpath_file:
        for chunk in iter(lambda: fpath_file.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def _resolve_hash_algorithm(file_hash, algorithm):
    if algorithm == "sha256" or (algorithm == "auto" and len(str(file_hash)) == 64):
        return "sha256"
    return "md5"


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=65535):
    """Whether the file's hash equals `file_hash` ('auto': sha256 for a 64-character
    hash, md5 otherwise)."""
    algorithm = _resolve_hash_algorithm(file_hash, algorithm)
    return str(_hash_file(fpath, algorithm, chunk_size)) == str(file_hash)


def _extract_archive(file_path, path=".", archive_format="auto"):
    """Extract a tar (any compression) or zip archive into `path`. `archive_format` is
    'tar', 'zip', 'auto' (both, in that order), a list of them, or None (nothing).
    Returns whether something was extracted."""
    if archive_format is None:
        return False
    if archive_format == "auto":
        archive_format = ["tar", "zip"]
    if isinstance(archive_format, str):
        archive_format = [archive_format]
    for archive_type in archive_format:
        if archive_type == "tar":
            is_match, open_archive = tarfile.is_tarfile, tarfile.open
        elif archive_type == "zip":
            is_match, open_archive = zipfile.is_zipfile, zipfile.ZipFile
        else:
            continue
        if not is_match(file_path):
            continue
        with open_archive(file_path) as archive:
            try:
                if archive_type == "tar":
                    archive.extractall(path, filter="data")
                else:
                    archive.extractall(path)
            except (tarfile.TarError, RuntimeError, KeyboardInterrupt):
                if os.path.exists(path):
                    if os.path.isfile(path):
                        os.remove(path)
                    else:
                        shutil.rmtree(path)
                raise
        return True
    return False


class DownloadError(Exception):
    """A file that `get_file` needs could neither be found in the cache nor fetched.

    Its message starts as Keras' does ("URL fetch failure on ORIGIN: CODE -- REASON")
    and then says which file to place where, so an offline user can fix it by hand."""


# Seconds a download may wait for the server before it gives up: a machine without
# network fails at once, a dead server after this long, never forever.
DOWNLOAD_TIMEOUT = 30
_CHUNK_SIZE = 1 << 16


def _local_source(origin):
    """The path an origin names on this machine (file:// URL or plain path), else None."""
    parsed = urlparse(origin)
    if parsed.scheme == "file":
        return url2pathname(parsed.path)
    if parsed.scheme == "" or (len(parsed.scheme) == 1 and os.name == "nt"):
        return origin
    return None


def _copy_stream(source, fpath):
    """Write the bytes of a readable stream to `fpath`, all of them or nothing."""
    with atomic_path(fpath) as partial:
        with open(partial, "wb") as target:
            for chunk in iter(lambda: source.read(_CHUNK_SIZE), b""):
                target.write(chunk)


def _fetch(origin, fpath):
    """Copy `origin` (a file:// URL, a local path, or an http(s)/ftp URL fetched with a
    `DOWNLOAD_TIMEOUT`) to `fpath`; raises `DownloadError` naming both on failure."""
    source = _local_source(origin)
    if source is not None:
        if not os.path.isfile(source):
            raise DownloadError("URL fetch failure on {}: 2 -- No such file: {}. Place the file at {} "
                                "(or pass an origin that exists).".format(origin, source, fpath))
        with open(source, "rb") as stream:
            _copy_stream(stream, fpath)
        return
    try:
        with urlopen(origin, timeout=DOWNLOAD_TIMEOUT) as response:
            _copy_stream(response, fpath)
    except HTTPError as error:
        reason = "{} -- {}".format(error.code, error.msg)
    except URLError as error:
        reason = "{} -- {}".format(getattr(error.reason, "errno", None), error.reason)
    except (OSError, ValueError, HTTPException) as error:  # timeouts, resets, cut transfers, bad URLs
        reason = "{} -- {}".format(getattr(error, "errno", None), error)
    else:
        return
    raise DownloadError("URL fetch failure on {}: {}. keralite could not download {} (is this machine "
                        "offline?). Fetch it from {} by other means and place it at {}; get_file then "
                        "uses that copy.".format(origin, reason, os.path.basename(fpath), origin, fpath))


def _hash_mismatch_message(fpath, file_hash, hash_algorithm):
    return ("A local file was found, but it seems to be incomplete or outdated because the " +
            _resolve_hash_algorithm(file_hash, hash_algorithm) + " file hash does not match the "
            "original value of " + file_hash + " so we will re-download the data.")


def get_file(fname, origin, untar=False, md5_hash=None, file_hash=None, cache_subdir="datasets",
             hash_algorithm="auto", extract=False, archive_format="auto", cache_dir=None):
    """Downloads a file from a URL if it is not already in the cache.

    The file lands in `cache_dir/cache_subdir` (by default `~/.keras/datasets`, or
    `$KERAS_HOME/datasets` when `KERAS_HOME` is set), so a second call, or a file a
    user placed there by hand on a machine without network, costs nothing. When a
    cached copy's hash does not match `file_hash`, it is fetched again; if that fetch
    fails, the cached copy is used with a warning, since on an offline machine a
    readable file beats none. Likewise an archive folder already unpacked with
    `untar=True` is used when its `.tar.gz` can be neither found nor fetched.

    # Arguments
        fname: name of the file in the cache. An absolute path is used as is.
            With `untar=True`, the name of the folder the archive unpacks to.
        origin: where the file comes from: an http(s) or ftp URL, a `file://` URL,
            or a local path.
        untar: deprecated in favour of `extract`: the file is `fname + '.tar.gz'`,
            it is unpacked, and the folder's path is returned.
        md5_hash: deprecated in favour of `file_hash`: an md5 hex digest.
        file_hash: the expected md5 or sha256 hex digest of the file.
        cache_subdir: the folder under `cache_dir` (or an absolute path).
        hash_algorithm: 'md5', 'sha256' or 'auto' (sha256 for a 64-character hash,
            md5 otherwise).
        extract: whether to unpack the file (tar, tar.gz, tar.bz2 or zip) beside it.
        archive_format: 'auto' (tar then zip), 'tar', 'zip', a list of these, or None.
        cache_dir: the cache's root folder (default `~/.keras` or `$KERAS_HOME`).

    # Returns
        The path of the file (of the unpacked folder with `untar=True`).

    # Raises
        DownloadError: the file is neither in the cache nor fetchable; the message
            names the URL and the path to place the file at.
        ValueError: the fetched file does not match `file_hash`.
    """
    if cache_dir is None:
        cache_dir = _default_cache_dir()
    if md5_hash is not None and file_hash is None:
        file_hash = md5_hash
        hash_algorithm = "md5"
    datadir_base = os.path.expanduser(cache_dir)
    if not _is_writable_dir(datadir_base):
        datadir_base = os.path.join("/tmp", ".keras")
    datadir = os.path.join(datadir_base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)

    if untar:
        untar_fpath = os.path.join(datadir, fname)
        fpath = untar_fpath + ".tar.gz"
    else:
        fpath = os.path.join(datadir, fname)

    stale_copy = False
    if os.path.exists(fpath):
        download = file_hash is not None and not validate_file(fpath, file_hash, algorithm=hash_algorithm)
        if download:
            print(_hash_mismatch_message(fpath, file_hash, hash_algorithm))
            stale_copy = True
    else:
        download = True

    if download:
        print("Downloading data from", origin)
        try:
            _fetch(origin, fpath)
        except DownloadError as error:
            if stale_copy:
                warnings.warn("Using the cached {} although its hash does not match {}: fetching a fresh "
                              "copy failed ({})".format(fpath, file_hash, error))
                download = False
            elif untar and os.path.isdir(untar_fpath):
                warnings.warn("Using the unpacked folder {}: its archive {} is absent and fetching it "
                              "failed ({})".format(untar_fpath, fpath, error))
                return untar_fpath
            else:
                raise
        if download and file_hash is not None and not validate_file(fpath, file_hash,
                                                                      algorithm=hash_algorithm):
            os.remove(fpath)
            raise ValueError("The file fetched from " + origin + " does not match the expected " +
                             _resolve_hash_algorithm(file_hash, hash_algorithm) + " hash " + file_hash + ".")

    if untar:
        if not os.path.exists(untar_fpath):
            _extract_archive(fpath, datadir, archive_format="tar")
        return untar_fpath
    if extract:
        _extract_archive(fpath, datadir, archive_format)
    return fpath
