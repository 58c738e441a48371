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

    @factory.post_generation
    def accepted_guidelines(self, create, extracted, **kwargs):
        """An established employee has accepted the current usage guidelines (if any are
        published), so the moderation write gate lets them write. Pass
        `accepted_guidelines=False` for someone who has not."""
        if create and extracted is not False:
            from moderation.services import guidelines_accept

            guidelines_accept(user=self)


# --- Profiles (appended by the profiles app) -------------------------------------------------
def image_bytes(
    fmt: str = "PNG", size: tuple[int, int] = (64, 48), mode: str = "RGB", **save_kwargs
) -> bytes:
    """A real image of the given format, built with Pillow."""
    import io

    from PIL import Image

    out = io.BytesIO()
    colour = (30, 120, 200) if mode == "RGB" else 1
    Image.new(mode, size, colour).save(out, format=fmt, **save_kwargs)
    return out.getvalue()


def image_upload(data: bytes | None = None, name: str = "photo.png", content_type: str = "image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, image_bytes() if data is None else data, content_type=content_type)


def make_person(**fields) -> User:
    """An employee with org fields set and optional skills/topics (names) through the services."""
    from profiles.services import profile_update

    skills = fields.pop("skills", None)
    topics = fields.pop("ask_me_about", None)
    department = fields.pop("department", None)
    if isinstance(department, str):
        department = DepartmentFactory(name=department)
    person = UserFactory(department=department, **fields)
    if skills is not None or topics is not None:
        profile_update(user=person, skills=skills, ask_me_about=topics)
    return person


# Groups ------------------------------------------------------------------------------------
from groups.models import Group, Membership  # noqa: E402


class GroupFactory(factory.django.DjangoModelFactory):
    """A group created through `group_create`: `owner` (a new user unless given) owns it."""

    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"Group {n}")
    visibility = Group.Visibility.OPEN
    description = "What this group is **about**."
    owner = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *args, owner=None, **kwargs):
        from groups.services import group_create

        return group_create(actor=owner, **kwargs)


def add_member(group: Group, user=None, *, role: str = Membership.Role.MEMBER) -> Membership:
    """Make `user` (a new one unless given) a member of `group` through the services:
    joining an open group, or the owner's invitation accepted for private and secret ones."""
    from groups.services import group_join, invitation_accept, invitation_create, membership_set_role

    user = user or UserFactory()
    owner = Membership.objects.select_related("user").filter(group=group, role=Membership.Role.OWNER).first()
    if role == Membership.Role.OWNER:
        membership = Membership.objects.create(group=group, user=user, role=role)
        group.__dict__.pop("_membership_cache", None)
        return membership
    if group.visibility == Group.Visibility.OPEN and not group.is_archived:
        membership = group_join(actor=user, group=group)
    else:
        invitation = invitation_create(actor=owner.user, group=group, invitee=user)
        membership = invitation_accept(actor=user, invitation=invitation)
    if role == Membership.Role.ADMIN:
        membership = membership_set_role(actor=owner.user, membership=membership, role=role)
    group.__dict__.pop("_membership_cache", None)
    return membership


def request_to_join(group: Group, user=None, message: str = ""):
    """A pending join request to a private group, through `join_request_create`."""
    from groups.services import join_request_create

    return join_request_create(actor=user or UserFactory(), group=group, message=message)


def png_upload(size=(60, 40), name="image.png"):
    """A small, real PNG as an uploaded file."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


# Feed ----------------------------------------------------------------------------------------
class PostFactory(factory.Factory):
    """A post created through feed.services.post_create (any keyword the service takes)."""

    class Meta:
        model = "feed.Post"

    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Post number {n}")

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError("posts are only created through the service")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from feed.services import post_create

        return post_create(**kwargs)


class CommentFactory(factory.Factory):
    """A comment (or, with parent=..., a reply) created through feed.services.comment_create."""

    class Meta:
        model = "feed.Comment"

    post = factory.SubFactory(PostFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Comment number {n}")

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError("comments are only created through the service")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from feed.services import comment_create

        return comment_create(**kwargs)


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
