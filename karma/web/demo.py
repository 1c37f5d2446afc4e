"""Demo data for trying Karma: a fixed cast with known passwords.

Only `karma load-demo` calls this. The passwords are printed on purpose:
the demo site runs on the person's own machine.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from karma.accounts.models import Role, User


@dataclass(frozen=True)
class DemoPerson:
    first_name: str
    last_name: str
    email: str
    role: str
    password: str


DEMO_PEOPLE = [
    DemoPerson("Amara", "Okoye", "admin@example.com", Role.ADMIN, "karma-admin-demo"),
    DemoPerson(
        "Ines",
        "Carvalho",
        "instructor@example.com",
        Role.INSTRUCTOR,
        "karma-teach-demo",
    ),
    DemoPerson(
        "José", "Núñez", "learner@example.com", Role.LEARNER, "karma-learn-demo"
    ),
    DemoPerson("Zoë", "Lindqvist", "zoe@example.com", Role.LEARNER, "karma-learn-demo"),
    DemoPerson("Kenji", "Satō", "kenji@example.com", Role.LEARNER, "karma-learn-demo"),
]


def load_demo_people() -> list[tuple[DemoPerson, bool]]:
    """Create the demo cast where missing; return each person and whether new.

    Existing accounts are left as they are, so running it again after
    trying things out keeps what was changed.
    """
    results = []
    with transaction.atomic():
        for person in DEMO_PEOPLE:
            user = User.objects.filter(email=person.email).first()
            created = user is None
            if created:
                user = User(
                    first_name=person.first_name,
                    last_name=person.last_name,
                    email=person.email,
                    role=person.role,
                    activated_at=timezone.now(),
                )
                user.set_password(person.password)
                user.save()
            results.append((person, created))
    return results
