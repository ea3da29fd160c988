from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "clinicbot.accounts"
    label = "accounts"
    verbose_name = "Contas da equipe"
