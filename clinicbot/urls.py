"""URL routes."""

from django.contrib import admin
from django.urls import path

from clinicbot.ops import views as ops_views

admin.site.site_header = "clinicbot — administração da clínica"
admin.site.site_title = "clinicbot"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("health", ops_views.health, name="health"),
]
