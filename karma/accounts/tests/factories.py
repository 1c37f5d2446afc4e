"""Factories for accounts; tests build people through these."""

from __future__ import annotations

import factory
from django.utils import timezone

from karma.accounts.models import Role, User

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    role = Role.LEARNER
    activated_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        self.set_password(extracted or DEFAULT_PASSWORD)
        if create:
            self.save(update_fields=["password"])


class LearnerFactory(UserFactory):
    role = Role.LEARNER


class InstructorFactory(UserFactory):
    role = Role.INSTRUCTOR


class AdminFactory(UserFactory):
    role = Role.ADMIN
