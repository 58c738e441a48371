import pytest
from django.core.management import call_command

from messaging.models import Conversation, Message, ReadState

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        sorted(Conversation.objects.values_list("kind", "name", "direct_key", "group_id")),
        sorted(Message.objects.values_list("sender__email", "client_id", "body")),
        sorted(ReadState.objects.values_list("user__email", "conversation_id", "last_read_message_id")),
    )


def test_demo_chats_are_built_and_idempotent():
    call_command("seed_demo", quiet_logins=True)
    first = _snapshot()
    call_command("seed_demo", quiet_logins=True)
    assert _snapshot() == first
    assert Conversation.objects.filter(kind="direct").count() == 4
    assert Conversation.objects.filter(kind="group", name="Launch crew").count() == 1
    assert Message.objects.count() >= 20
