"""gunicorn's settings for Tagungsbüro: `gunicorn -c config/gunicorn.py config.wsgi`.

Workers: one per core the process may run on (WEB_CONCURRENCY overrides it). A request spends
nearly all of its time in Python and waits on PostgreSQL only briefly, so more processes than
cores only take turns on them and each request costs more CPU: on the 2-core benchmark machine
two workers registered 98 to 126 people per second, four workers 84 to 106 (BENCHMARKS.md).

No access log: the private links carry their token in the path.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or len(os.sched_getaffinity(0)))
accesslog = None
