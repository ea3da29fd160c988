"""Staff account pages, mounted at /conta/."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("2fa/", views.two_factor_enrol, name="two-factor-enrol"),
    path("2fa/verificar/", views.two_factor_verify, name="two-factor-verify"),
]
