"""gunicorn's settings for Tagungsbüro: `gunicorn -c config/gunicorn.py config.wsgi`.

Workers: one per core the process may run on (WEB_CONCURRENCY overrides it). A request spends
nearly all of its time in Python and waits on PostgreSQL only briefly, so more processes than
cores only take turns on them and each request costs more CPU: on the 2-core benchmark machine
two workers registered 98 to 126 people per second, four workers 84 to 106 (BENCHMARKS.md).

Garbage collection: once a worker has loaded the application, its objects (modules, settings,
URL patterns, templates) stay for its lifetime; `gc.freeze()` takes them out of the collector's
full passes, and a larger first generation makes the passes over each request's short-lived
objects rarer. About 6 % more registrations per second in the benchmark. Requests free nearly
all their memory by reference counting; what is left in cycles is still collected.

No access log: the private links carry their token in the path.
"""

import gc
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or len(os.sched_getaffinity(0)))
accesslog = None

GC_THRESHOLDS = (50_000, 20, 100)


def post_worker_init(worker):
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
