"""The admin screens of Django's and the login apps' models, in Portuguese with gender agreement.

Their own ModelAdmins are kept (list columns, filters, actions); each is registered again
with :class:`~clinicbot.core.admin_pt.GenderedAdminMixin` and its model's gender, like
every admin of the project. django-otp's TOTP model has no translatable name, so its
names are set here; django-axes's come from clinicbot/locale.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.db.models import Model

from clinicbot.core.admin_pt import Gender, GenderedAdminMixin

# (app label, model name) → the gender of its Portuguese name.
GENDERS: dict[tuple[str, str], Gender] = {
    ("auth", "user"): "m",  # usuário
    ("auth", "group"): "m",  # grupo
    ("axes", "accessattempt"): "f",  # tentativa de login
    ("axes", "accesslog"): "m",  # registro de acesso
    ("axes", "accessfailurelog"): "f",  # falha de login
    ("otp_totp", "totpdevice"): "m",  # dispositivo TOTP
}
# Names that their apps do not translate.
APP_NAMES = {"axes": "Logins da equipe (bloqueios)", "otp_totp": "Segundo fator (TOTP)"}
MODEL_NAMES = {("otp_totp", "totpdevice"): ("dispositivo TOTP", "dispositivos TOTP")}
FIELD_NAMES = {
    ("otp_totp", "totpdevice"): {
        "user": "usuário",
        "name": "nome",
        "confirmed": "confirmado",
        "created_at": "criado em",
        "last_used_at": "último uso",
    }
}


# Admin attributes their apps leave in English.
ADMIN_TEXTS = {("otp_totp", "totpdevice"): {"search_help_text": "Busque pelo usuário ou pelo e-mail."}}


def _regender(model: type[Model], gender: Gender, texts: dict[str, str]) -> None:
    registered = admin.site._registry.get(model)
    if registered is None:
        return
    cls = type(registered)
    admin.site.unregister(model)
    admin.site.register(model, type(cls.__name__, (GenderedAdminMixin, cls), {"gender": gender, **texts}))


for (app_label, model_name), gender in GENDERS.items():
    model = apps.get_model(app_label, model_name)
    if (app_label, model_name) in MODEL_NAMES:
        model._meta.verbose_name, model._meta.verbose_name_plural = MODEL_NAMES[(app_label, model_name)]
    for field, label in FIELD_NAMES.get((app_label, model_name), {}).items():
        model._meta.get_field(field).verbose_name = label
    _regender(model, gender, ADMIN_TEXTS.get((app_label, model_name), {}))
for app_label, name in APP_NAMES.items():
    apps.get_app_config(app_label).verbose_name = name
