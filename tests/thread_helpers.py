"""Running one piece of test code on several threads at once."""
import threading


def run_on_threads(work, count):
    """Calls `work(k)` for k in range(count), each on a thread of its own, all at once;
    re-raises (in the caller's thread) the first exception a thread raised."""
    errors = []

    def guarded(k):
        try:
            work(k)
        except BaseException as e:      # handed to the caller below
            errors.append(e)
    threads = [threading.Thread(target=guarded, args=(k,)) for k in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
