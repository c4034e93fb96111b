"""The load benchmark's browser (bench/registration_load.py): what it sends, what it keeps."""

import http.server
import importlib.util
import threading
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "registration_load", Path(__file__).resolve().parent.parent / "bench" / "registration_load.py"
)
registration_load = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(registration_load)


class _Server(http.server.ThreadingHTTPServer):
    def __init__(self, answers):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answers, self.requests = list(answers), []


class _Handler(http.server.BaseHTTPRequestHandler):
    def _answer(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.requests.append((self.command, self.path, dict(self.headers), body))
        status, headers, content = self.server.answers.pop(0)
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    servers = []

    def start(*answers):
        instance = _Server(answers)
        threading.Thread(target=instance.serve_forever, daemon=True).start()
        servers.append(instance)
        return instance

    yield start
    for instance in servers:
        instance.shutdown()
        instance.server_close()


def _client(instance):
    return registration_load.Client(f"http://127.0.0.1:{instance.server_port}", "/anmeldung/")


def test_it_keeps_cookies_as_a_browser_and_posts_them_back(server):
    page = "<p>Anmeldung für Kühne-Hörmann</p>".encode()
    instance = server(
        (
            200,
            [
                ("Set-Cookie", "csrftoken=abc123; Path=/; SameSite=Lax"),
                ("Set-Cookie", "elsewhere=1; Path=/admin/"),
                ("Set-Cookie", "secure_only=1; Secure"),
                ("Content-Length", str(len(page))),
            ],
            page,
        ),
        (302, [("Location", "/danke/"), ("Content-Length", "0")], b""),
    )
    client = _client(instance)

    status, html, _elapsed = client.request()
    posted = client.request({"first_name": "مريم", "csrfmiddlewaretoken": "abc123"})

    assert (status, html) == (200, page)
    assert client.cookies == {"csrftoken": "abc123"}
    assert posted[:2] == (302, b"")
    method, path, headers, body = instance.requests[1]
    assert (method, path) == ("POST", "/anmeldung/")
    assert headers["Cookie"] == "csrftoken=abc123"
    assert headers["Origin"] == f"http://127.0.0.1:{instance.server_port}"
    assert headers["Referer"] == f"http://127.0.0.1:{instance.server_port}/anmeldung/"
    assert body == b"first_name=%D9%85%D8%B1%D9%8A%D9%85&csrfmiddlewaretoken=abc123"


def test_a_cookie_the_server_deletes_is_not_sent_again(server):
    instance = server(
        (200, [("Set-Cookie", "messages=x; Path=/"), ("Content-Length", "0")], b""),
        (200, [("Set-Cookie", "messages=; Max-Age=0; Path=/"), ("Content-Length", "0")], b""),
    )
    client = _client(instance)

    client.request()
    client.request()

    assert client.cookies == {}


def test_an_answer_cut_short_is_an_error(server):
    instance = server((200, [("Content-Length", "100")], b"only a part"))

    with pytest.raises(ConnectionError, match="cut short"):
        _client(instance).request()


def test_a_chunked_answer_is_refused_loudly(server):
    instance = server((200, [("Transfer-Encoding", "chunked")], b"5\r\nHallo\r\n0\r\n\r\n"))

    with pytest.raises(NotImplementedError, match="chunked"):
        _client(instance).request()
