from django.urls import path

from karma.accounts.views import auth, profile, users

app_name = "accounts"

urlpatterns = [
    # Signing in and out, passwords, invitations (views/auth.py).
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("password/change/", auth.password_change, name="password_change"),
    path(
        "password/required/",
        auth.password_change_required,
        name="password_change_required",
    ),
    path("password/reset/", auth.password_reset, name="password_reset"),
    path("password/reset/sent/", auth.password_reset_sent, name="password_reset_sent"),
    path(
        "password/reset/<uidb64>/<token>/",
        auth.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth.password_reset_complete,
        name="password_reset_complete",
    ),
    path("invitations/<str:token>/", auth.invitation, name="invitation"),
    # The Users section, admins only (views/users.py).
    path("users/", users.user_list, name="user_list"),
    path("users/invite/", users.user_invite, name="user_invite"),
    path("users/new/", users.user_create, name="user_create"),
    path("users/bulk/", users.user_bulk_action, name="user_bulk_action"),
    path("users/<str:public_id>/role/", users.user_role, name="user_role"),
    path(
        "users/<str:public_id>/deactivate/",
        users.user_deactivate,
        name="user_deactivate",
    ),
    path(
        "users/<str:public_id>/reactivate/",
        users.user_reactivate,
        name="user_reactivate",
    ),
    path(
        "users/<str:public_id>/invitation/resend/",
        users.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "users/<str:public_id>/invitation/revoke/",
        users.invitation_revoke,
        name="invitation_revoke",
    ),
    # Profiles (views/profile.py).
    path("users/<str:public_id>/", profile.user_profile, name="user_profile"),
    path("me/", profile.my_profile, name="my_profile"),
]
