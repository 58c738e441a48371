"""The nginx configuration in deploy/nginx/, run by a real nginx in front of a stand-in app.

The stand-in answers file requests with the real `serve_protected_file` (X-Accel-Redirect
mode), so these tests prove what a browser gets for an uploaded file, a static file and a
WebSocket upgrade. They need the nginx binary (CI installs it; skipped elsewhere without it).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import RequestFactory

from socialco.protected_files import serve_protected_file

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "nginx"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (CI installs it)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def render_locations(static_root: Path, media_root: Path) -> str:
    """The shared locations with this machine's folders in place of the production ones."""
    text = (DEPLOY / "socialco-locations.conf").read_text()
    return text.replace("/srv/socialco/var/static/", f"{static_root}/").replace(
        "/srv/socialco/var/media/", f"{media_root}/"
    )


def _nginx_main(tmp: Path, http_body: str) -> Path:
    for folder in ("tmp", "logs"):
        (tmp / folder).mkdir(exist_ok=True)
    user = "user root root;\n" if os.geteuid() == 0 else ""
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"""{user}worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/logs/error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {tmp}/logs/access.log;
    client_body_temp_path {tmp}/tmp/body;
    proxy_temp_path {tmp}/tmp/proxy;
    fastcgi_temp_path {tmp}/tmp/fastcgi;
    uwsgi_temp_path {tmp}/tmp/uwsgi;
    scgi_temp_path {tmp}/tmp/scgi;
{http_body}
}}
"""
    )
    return conf


def _nginx(conf: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            NGINX,
            "-p",
            str(conf.parent),
            "-c",
            str(conf),
            "-e",
            str(conf.parent / "logs" / "error.log"),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )


class StandInApp(BaseHTTPRequestHandler):
    """Plays gunicorn and daphne: /files/<name> through serve_protected_file; records headers."""

    seen: list[dict[str, str]]

    def do_GET(self) -> None:
        self.server.seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
        if self.path.startswith("/files/"):
            response = serve_protected_file(
                RequestFactory().get(self.path), self.path.removeprefix("/files/")
            )
            self.send_response(response.status_code)
            for header, value in response.items():
                self.send_header(header, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps({"app": self.server.name}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def site(tmp_path, settings):
    """nginx on a free loopback port with the shared locations, in front of two stand-ins."""
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    static_root = tmp_path / "static"
    (static_root / "css").mkdir(parents=True)
    (static_root / "css" / "app.0123456789ab.css").write_text("body{color:red}")
    servers = {}
    for name in ("wsgi", "asgi"):
        server = ThreadingHTTPServer(("127.0.0.1", 0), StandInApp)
        server.name, server.seen = name, []
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers[name] = server
    port = _free_port()
    (tmp_path / "socialco-locations.conf").write_text(render_locations(static_root, settings.MEDIA_ROOT))
    conf = _nginx_main(
        tmp_path,
        f"""
    upstream socialco_wsgi {{ server 127.0.0.1:{servers["wsgi"].server_port}; }}
    upstream socialco_asgi {{ server 127.0.0.1:{servers["asgi"].server_port}; }}
    map $http_upgrade $socialco_connection_upgrade {{ default upgrade; "" close; }}
    server {{
        listen 127.0.0.1:{port};
        include {tmp_path}/socialco-locations.conf;
    }}""",
    )
    started = _nginx(conf)
    assert started.returncode == 0, started.stderr
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "nginx did not start listening"
                time.sleep(0.1)
        yield {"port": port, "servers": servers}
    finally:
        _nginx(conf, "-s", "stop")


def _get(site, path: str, headers: dict[str, str] | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", site["port"], timeout=10)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def test_uploaded_image_is_sent_by_nginx_inline_after_the_app_answers(site):
    name = default_storage.save("avatars/ana.png", ContentFile(b"\x89PNG\r\n\x1a\nimage-bytes"))

    response, body = _get(site, f"/files/{name}")

    assert response.status == 200
    assert body == b"\x89PNG\r\n\x1a\nimage-bytes"
    assert response.getheader("Content-Type") == "image/png"
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert response.getheader("Content-Disposition").startswith("inline")
    assert response.getheader("Cache-Control").startswith("private")
    assert "sandbox" in response.getheader("Content-Security-Policy")


def test_uploaded_non_image_is_an_unsniffable_attachment(site):
    name = default_storage.save("attachments/page.html", ContentFile(b"<script>alert(1)</script>"))

    response, body = _get(site, f"/files/{name}")

    assert response.status == 200
    assert body == b"<script>alert(1)</script>"
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    # Exactly one disposition: browsers refuse a download with two different ones.
    assert response.headers.get_all("Content-Disposition") == ['attachment; filename="page.html"']
    assert "sandbox" in response.getheader("Content-Security-Policy")


def test_internal_media_location_is_not_reachable_from_outside(site):
    name = default_storage.save("avatars/secret.png", ContentFile(b"\x89PNG secret"))

    response, body = _get(site, f"/protected-media/{name}")

    assert response.status == 404
    assert b"secret" not in body


def test_static_files_are_served_by_nginx_not_the_app(site):
    response, body = _get(site, "/static/css/app.0123456789ab.css")

    assert response.status == 200
    assert body == b"body{color:red}"
    assert response.getheader("Content-Type") == "text/css"
    assert "max-age" in response.getheader("Cache-Control")
    assert site["servers"]["wsgi"].seen == []


def test_websocket_path_is_upgraded_to_the_asgi_workers(site):
    _get(site, "/ws/", {"Upgrade": "websocket", "Connection": "Upgrade", "Origin": "http://x"})

    assert site["servers"]["wsgi"].seen == []
    [request] = site["servers"]["asgi"].seen
    assert request["upgrade"] == "websocket"
    assert request["connection"] == "upgrade"
    assert request["host"] == f"127.0.0.1:{site['port']}"


def test_pages_go_to_the_wsgi_workers_with_forwarding_headers(site):
    _response, body = _get(site, "/healthz")

    assert json.loads(body) == {"app": "wsgi"}
    [request] = site["servers"]["wsgi"].seen
    assert request["x-forwarded-proto"] == "http"
    assert request["x-forwarded-for"] == "127.0.0.1"
    assert site["servers"]["asgi"].seen == []


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_production_site_config_is_valid(tmp_path):
    """deploy/nginx/socialco.conf as shipped, with a throw-away certificate and free ports."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    (tmp_path / "socialco-locations.conf").write_text(
        render_locations(tmp_path / "static", tmp_path / "media")
    )
    site = (DEPLOY / "socialco.conf").read_text()
    site = (
        site.replace("/etc/nginx/snippets/socialco-locations.conf", str(tmp_path / "socialco-locations.conf"))
        .replace("/etc/letsencrypt/live/social.example.com/fullchain.pem", str(cert))
        .replace("/etc/letsencrypt/live/social.example.com/privkey.pem", str(key))
        .replace("listen 80;", f"listen 127.0.0.1:{_free_port()};")
        .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{_free_port()} ssl http2;")
        .replace("listen [::]:80;", "")
        .replace("listen [::]:443 ssl http2;", "")
    )
    assert str(cert) in site
    assert "socialco-locations.conf" in site
    conf = _nginx_main(tmp_path, site)

    result = _nginx(conf, "-t")

    assert result.returncode == 0, result.stderr
