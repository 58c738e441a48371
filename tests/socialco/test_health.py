import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_healthz_reports_ok_after_real_round_trips(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "channel_layer": "ok"}


def test_healthz_answers_head_for_load_balancers(client):
    assert client.head("/healthz").status_code == 200


def test_healthz_names_a_failing_database(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.OperationalError("database is gone")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "error", "channel_layer": "ok"}


def test_healthz_names_a_failing_channel_layer(client, settings):
    # A real Redis channel layer pointed at a port where nothing listens.
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "channel_layer": "error"}
