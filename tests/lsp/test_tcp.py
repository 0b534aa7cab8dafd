"""`kube-lsp serve --tcp` for debugging: a plain socket client gets an initialize answer."""

from __future__ import annotations


def test_tcp_mode_answers_initialize() -> None:
    import json
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "kube_lsp", "serve", "--tcp", f"127.0.0.1:{port}"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                conn = socket.create_connection(("127.0.0.1", port), timeout=5)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        with conn:
            body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                               "params": {"processId": None, "rootUri": None, "capabilities": {}}}).encode()
            conn.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            data = b""
            while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < int(
                    data.split(b"\r\n", 1)[0].split(b":")[1]):
                chunk = conn.recv(65536)
                assert chunk, "connection closed"
                data += chunk
        head, body = data.split(b"\r\n\r\n", 1)
        answer = json.loads(body[:int(head.split(b"\r\n", 1)[0].split(b":")[1])])
        assert answer["id"] == 1 and answer["result"]["serverInfo"]["name"] == "kube-lsp"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
