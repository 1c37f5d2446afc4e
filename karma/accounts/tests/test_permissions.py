"""What each role gets from every page of the accounts and audit apps.

SPEC section 1: admins manage every account and read the audit log;
instructors and learners reach only their own profile and password pages.
Signed-in people who may not use a section get 403; a profile they may not
see is 404, as if it did not exist; strangers are sent to sign in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import reverse

from karma.accounts.models import User

LOGIN = "login"  # expected: a redirect to the sign-in page
ROLES = ("admin", "instructor", "learner", "anonymous")


@dataclass(frozen=True)
class Page:
    url_name: str
    # admin, instructor, learner, anonymous
    expected: tuple[int | str, int | str, int | str, int | str]
    method: str = "get"
    # Whose public id goes in the address: "other" (a learner the viewer has
    # nothing to do with), "self" (the viewer), or literal arguments.
    target: str | tuple[str, ...] | None = None
    data: dict[str, str] = field(default_factory=dict)


PAGES = {
    # Signing in and passwords: open to everyone, or to anyone signed in.
    "login": Page("accounts:login", (302, 302, 302, 200)),
    "logout": Page("accounts:logout", (200, 200, 200, LOGIN)),
    "password_change": Page("accounts:password_change", (200, 200, 200, LOGIN)),
    "password_change_required": Page(
        "accounts:password_change_required", (302, 302, 302, LOGIN)
    ),
    "password_reset": Page("accounts:password_reset", (200, 200, 200, 200)),
    "password_reset_sent": Page("accounts:password_reset_sent", (200, 200, 200, 200)),
    "password_reset_confirm_bad_link": Page(
        "accounts:password_reset_confirm",
        (200, 200, 200, 200),
        target=("Mg", "not-a-token"),
    ),
    "password_reset_complete": Page(
        "accounts:password_reset_complete", (302, 302, 302, LOGIN)
    ),
    "invitation_unknown": Page(
        "accounts:invitation", (404, 404, 404, 404), target=("no-such-token",)
    ),
    # The Users section: admins only.
    "user_list": Page("accounts:user_list", (200, 403, 403, LOGIN)),
    "user_invite": Page("accounts:user_invite", (200, 403, 403, LOGIN)),
    "user_create": Page("accounts:user_create", (200, 403, 403, LOGIN)),
    "user_bulk_action": Page(
        "accounts:user_bulk_action",
        (302, 403, 403, LOGIN),
        method="post",
        data={"action": "deactivate", "users": "other"},
    ),
    "user_role": Page(
        "accounts:user_role",
        (302, 403, 403, LOGIN),
        method="post",
        target="other",
        data={"role": "instructor"},
    ),
    "user_deactivate": Page(
        "accounts:user_deactivate",
        (302, 403, 403, LOGIN),
        method="post",
        target="other",
    ),
    "user_reactivate": Page(
        "accounts:user_reactivate",
        (302, 403, 403, LOGIN),
        method="post",
        target="other",
    ),
    "invitation_resend": Page(
        "accounts:invitation_resend",
        (302, 403, 403, LOGIN),
        method="post",
        target="other",
    ),
    "invitation_revoke": Page(
        "accounts:invitation_revoke",
        (302, 403, 403, LOGIN),
        method="post",
        target="other",
    ),
    # Profiles: one's own for everyone, anyone else's for admins.
    "profile_other": Page(
        "accounts:user_profile", (200, 404, 404, LOGIN), target="other"
    ),
    "profile_self": Page(
        "accounts:user_profile", (200, 200, 200, LOGIN), target="self"
    ),
    "my_profile": Page("accounts:my_profile", (200, 200, 200, LOGIN)),
    # The audit log: admins only.
    "audit_log": Page("audit:log", (200, 403, 403, LOGIN)),
}

CASES = [
    pytest.param(page, role, page.expected[index], id=f"{name}-{role}")
    for name, page in PAGES.items()
    for index, role in enumerate(ROLES)
]


@pytest.fixture
def viewers(admin, instructor, learner) -> dict[str, User | None]:
    return {
        "admin": admin,
        "instructor": instructor,
        "learner": learner,
        "anonymous": None,
    }


def _address(page: Page, viewer: User | None, other: User) -> str:
    if page.target is None:
        return reverse(page.url_name)
    if page.target == "other" or (page.target == "self" and viewer is None):
        return reverse(page.url_name, args=[other.public_id])
    if page.target == "self":
        return reverse(page.url_name, args=[viewer.public_id])
    return reverse(page.url_name, args=page.target)


@pytest.mark.parametrize(("page", "role", "expected"), CASES)
def test_role_gets_expected_answer(viewers, outsider, page, role, expected):
    viewer = viewers[role]
    client = Client()
    if viewer is not None:
        client.force_login(viewer)
    data = {
        key: outsider.public_id if value == "other" else value
        for key, value in page.data.items()
    }

    response = getattr(client, page.method)(_address(page, viewer, outsider), data)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected


def test_table_covers_every_page_of_accounts_and_audit():
    from karma.accounts.urls import urlpatterns as account_patterns
    from karma.audit.urls import urlpatterns as audit_patterns

    names = {f"accounts:{pattern.name}" for pattern in account_patterns}
    names |= {f"audit:{pattern.name}" for pattern in audit_patterns}

    assert names == {page.url_name for page in PAGES.values()}
