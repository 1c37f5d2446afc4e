"""Routes of /api/v1 (SPEC section 8). Paths have no trailing slash.

Each app's endpoints are listed here, above the catch-all that answers
every other address with a 404 in the envelope.
"""

from django.urls import path, re_path

from karma.accounts import api as accounts_api
from karma.api import views
from karma.web.middleware import csp_exempt

app_name = "api"

urlpatterns = [
    # Tokens.
    path("auth/login", views.LoginView.as_view(), name="auth_login"),
    path("auth/refresh", views.RefreshView.as_view(), name="auth_refresh"),
    path("auth/logout", views.LogoutView.as_view(), name="auth_logout"),
    path("auth/password", views.PasswordChangeView.as_view(), name="auth_password"),
    # Users (karma/accounts/api.py).
    path("users", accounts_api.UserListView.as_view(), name="user_list"),
    path("users/me", accounts_api.MeView.as_view(), name="user_me"),
    path(
        "users/<str:public_id>",
        accounts_api.UserDetailView.as_view(),
        name="user_detail",
    ),
    path(
        "users/<str:public_id>/deactivate",
        accounts_api.UserDeactivateView.as_view(),
        name="user_deactivate",
    ),
    path(
        "users/<str:public_id>/reactivate",
        accounts_api.UserReactivateView.as_view(),
        name="user_reactivate",
    ),
    # The schema and its docs page.
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", csp_exempt(views.DocsView.as_view()), name="docs"),
    # Keep last.
    re_path(r"", views.NotFoundView.as_view(), name="not_found"),
]
