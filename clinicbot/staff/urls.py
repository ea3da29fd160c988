"""The staff desk's routes, mounted at /staff/."""

from django.urls import path

from . import views

app_name = "staff"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("conversas/<int:session_id>/", views.conversation, name="conversation"),
    path("conversas/<int:session_id>/responder/", views.reply, name="reply"),
    path("conversas/<int:session_id>/devolver/", views.hand_back, name="hand-back"),
    path("agenda/", views.agenda, name="agenda"),
]
