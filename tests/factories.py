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
