"""URL routes."""

from django.contrib import admin
from django.urls import include, path

from clinicbot.api.api import api as rest_api
from clinicbot.ops import dashboard as ops_dashboard
from clinicbot.ops import views as ops_views
from clinicbot.scheduling import views as scheduling_views
from clinicbot.whatsapp import simulator
from clinicbot.whatsapp import views as whatsapp_views

admin.site.site_header = "clinicbot — administração da clínica"
admin.site.site_title = "clinicbot"
admin.site.site_url = "/staff/"  # admin's "Ver o site" opens the staff desk
# The app list beside every page took 300 px and cut the lists' last columns (código,
# situação) at 1280 px; the index and the breadcrumbs lead everywhere it did.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("", ops_views.home, name="home"),
    path("admin/", admin.site.urls),
    path("api/", rest_api.urls),
    path("health", ops_views.health, name="health"),
    path("health/detailed", ops_views.health_detailed, name="health-detailed"),
    path("metrics", ops_views.metrics, name="metrics"),
    path("ops/dashboard/", ops_dashboard.dashboard, name="ops-dashboard"),
    path("webhooks/meta/", whatsapp_views.whatsapp_webhook, {"gateway_name": "meta"}, name="webhook-meta"),
    path(
        "webhooks/evolution/",
        whatsapp_views.whatsapp_webhook,
        {"gateway_name": "evolution"},
        name="webhook-evolution",
    ),
    path(
        "webhooks/zapi/<str:secret>/",
        whatsapp_views.whatsapp_webhook,
        {"gateway_name": "zapi"},
        name="webhook-zapi",
    ),
    path("webhooks/whatsapp/", whatsapp_views.whatsapp_webhook, name="whatsapp-webhook"),
    path("staff/", include("clinicbot.staff.urls")),
    path("conta/", include("clinicbot.accounts.urls")),
    path("calendar/<slug:slug>.ics", scheduling_views.doctor_ics, name="doctor-ics"),
    path("simulator/", simulator.simulator_page, name="simulator"),
    path("simulator/api/messages", simulator.simulator_send, name="simulator-send"),
]
