import os

from django.urls import path

from socialco.consumers import RealtimeConsumer

websocket_urlpatterns = [
    path("ws/", RealtimeConsumer.as_asgi()),
]

if os.environ.get("SOCIALCO_BENCH") == "1":  # `make bench` only (bench/README.md)
    from bench.consumers import EchoBroadcastConsumer

    websocket_urlpatterns.append(path("ws/bench/echo/", EchoBroadcastConsumer.as_asgi()))
