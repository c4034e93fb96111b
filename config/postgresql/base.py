"""PostgreSQL as Django's own backend has it, with a health check that costs no round trip.

With CONN_HEALTH_CHECKS, Django checks a kept connection at the start of each request with a
`SELECT 1`: a round trip to the server on every request, one of about eight a registration
needs. An idle connection, though, has nothing to read: the server writes only in answer to a
query, or when it ends the session (shut down, restarted, `pg_terminate_backend()`), and then
the socket has that last message or the end of the stream waiting. So `is_usable()` first asks
the kernel whether the socket has anything to read, which costs no round trip, and runs
Django's `SELECT 1` only when it has: a notice the server sent meanwhile passes that check, a
closed session fails it, and the connection is replaced before the request uses it.

What this check cannot see, as neither can `SELECT 1` before the query that follows it: a
server that goes away after the check. A server host that vanished without closing its
connections (power cut, network partition) leaves nothing to read either; the request that
next uses the connection fails, and Django closes the connection after it.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if not hasattr(select, "poll"):  # Windows: Django's own check
            return super().is_usable()
        try:
            poller = select.poll()
            poller.register(connection.fileno(), select.POLLIN)
            events = poller.poll(0)
        except (OSError, ValueError):  # the descriptor is gone
            return False
        if events:  # something to read, the end of the stream, or an error on the socket
            return super().is_usable()
        return True
