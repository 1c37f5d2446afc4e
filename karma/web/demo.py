"""Demo data for trying Karma: a fixed cast with known passwords.

Only `karma load-demo` calls this. The passwords are printed on purpose:
the demo site runs on the person's own machine.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from karma.accounts.models import Role, User
from karma.courses import demo as course_demo
from karma.courses.permissions import can_create_course


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


def load_demo_courses() -> list[tuple[str, bool]]:
    """Build the sample courses, owned by the demo instructor, where missing.

    The demo admin co-teaches the main sample course. Nothing is built when
    the instructor's account is gone or may no longer create courses.
    """
    owner = _demo_user(Role.INSTRUCTOR)
    if owner is None or not can_create_course(owner):
        return []
    admin = _demo_user(Role.ADMIN)
    co_instructors = [admin] if admin and admin.is_active else []
    return course_demo.load_demo_courses(owner=owner, co_instructors=co_instructors)


def _demo_user(role: str) -> User | None:
    """The first demo person of `role`, if their account still exists."""
    email = next(person.email for person in DEMO_PEOPLE if person.role == role)
    return User.objects.filter(email=email).first()
