from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "karma.accounts"
    label = "accounts"
