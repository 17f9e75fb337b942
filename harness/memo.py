"""once(): a function of hashable arguments, computed once per process (interpreters, locales, namespaces)."""
import functools
import threading


def once(function):
    results = {}
    lock = threading.Lock()

    @functools.wraps(function)
    def remembered(*args):
        with lock:
            if args not in results:
                results[args] = function(*args)
            return results[args]
    remembered.forget = results.clear
    return remembered
