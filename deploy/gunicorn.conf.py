"""gunicorn settings for Socialco's WSGI workers (pages, API, admin).

Used by deploy/systemd/socialco-gunicorn.service and by `make prod-run`. The environment
overrides the bind address and the number of workers; WebSockets go to daphne, not here.
"""

import multiprocessing
import os

wsgi_app = "socialco.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
# Sync workers: each request holds one process, so requests never wait on a thread hop.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# nginx on the same machine sets X-Forwarded-For/-Proto; trust it and nobody else.
forwarded_allow_ips = "127.0.0.1,::1"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
proc_name = "socialco-gunicorn"
