"""Factories build data through the same code paths as the product (services, allauth models)."""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress

from profiles.models import Department, User


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Department {n}")


PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    """A verified, active employee who can log in with PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    display_name = factory.Sequence(lambda n: f"Person {n}")
    title = "Engineer"
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


# Chat ---------------------------------------------------------------------------------------
def direct_chat(user, other):
    """The direct conversation between two people, through the service."""
    from messaging.services import conversation_get_or_create_direct

    return conversation_get_or_create_direct(user=user, other_user_id=other.pk)[0]


def group_chat(creator, *members, name: str = ""):
    from messaging.services import conversation_create_group

    return conversation_create_group(creator=creator, member_ids=[m.pk for m in members], name=name)


_chat_client_ids = iter(range(1, 10**9))


def chat_message(sender, conversation, body: str = "Hello", client_id: str | None = None):
    """A stored message, sent through the service (rate limit off: tests send many)."""
    from messaging.services import message_send

    client_id = client_id or f"test-{next(_chat_client_ids)}"
    message, _created = message_send(
        sender=sender,
        conversation_id=conversation.pk,
        body=body,
        client_id=client_id,
        enforce_rate_limit=False,
    )
    return message


def interest_group(*members, visibility: str = "open", **fields):
    """An interest group whose members are `members` (the first is the owner)."""
    from groups.models import Group, Membership

    n = next(_chat_client_ids)
    group = Group.objects.create(
        name=fields.pop("name", f"Group {n}"),
        slug=fields.pop("slug", f"group-{n}"),
        visibility=visibility,
        **fields,
    )
    for index, member in enumerate(members):
        Membership.objects.create(
            group=group, user=member, role=Membership.Role.OWNER if index == 0 else Membership.Role.MEMBER
        )
    return group
