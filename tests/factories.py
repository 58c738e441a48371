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
