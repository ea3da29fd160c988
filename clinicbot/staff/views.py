"""Staff desk pages: thin views over the selectors and services.

Each view needs a staff login and its own permission: reading conversations
(``conversations.view_conversationsession``), replying or handing back
(``conversations.reply_conversation``), the agenda (``scheduling.view_appointment``).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinicbot.clinics.snapshot import get_catalog
from clinicbot.conversations.models import ConversationSession, Direction
from clinicbot.conversations.services import session_hand_back
from clinicbot.core.access import staff_permission_required
from clinicbot.core.text import person_sort_key
from clinicbot.outreach.proactive import SERVICE_WINDOW

from .selectors import conversation_history, doctor_day_agenda, handoff_queue
from .services import StaffDeskError, staff_reply

VIEW_CONVERSATIONS = "conversations.view_conversationsession"
REPLY = "conversations.reply_conversation"
VIEW_AGENDA = "scheduling.view_appointment"


@staff_permission_required(VIEW_CONVERSATIONS)
def queue(request: HttpRequest) -> HttpResponse:
    """The hand-off queue: who is waiting for a person, oldest first."""
    now = timezone.now()
    items = [(item, item.wait(now)) for item in handoff_queue()]
    return render(request, "staff/queue.html", {"items": items, "now": now, "section": "queue"})


@staff_permission_required(VIEW_CONVERSATIONS)
def conversation(request: HttpRequest, session_id: int) -> HttpResponse:
    """The whole history of one conversation, with the reply form."""
    session = get_object_or_404(ConversationSession, id=session_id)
    history = conversation_history(session_id=session.id)
    last_user = next((m.timestamp for m in reversed(history) if m.direction == Direction.USER), None)
    context = {
        "session": session,
        "history": history,
        "section": "queue",
        # WhatsApp only delivers free text within 24 h of the patient's last message.
        "window_closed": last_user is None or timezone.now() - last_user > SERVICE_WINDOW,
    }
    return render(request, "staff/conversation.html", context)


@require_POST
@staff_permission_required(VIEW_CONVERSATIONS, REPLY)
def reply(request: HttpRequest, session_id: int) -> HttpResponse:
    try:
        staff_reply(session_id=session_id, author=request.user, text=request.POST.get("text", ""))  # type: ignore[arg-type]
    except StaffDeskError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Mensagem enviada ao paciente.")
    return redirect("staff:conversation", session_id=session_id)


@require_POST
@staff_permission_required(VIEW_CONVERSATIONS, REPLY)
def hand_back(request: HttpRequest, session_id: int) -> HttpResponse:
    session_hand_back(session_id=session_id, now=timezone.now())
    messages.success(request, "Conversa devolvida ao assistente.")
    return redirect("staff:queue")


def parse_day(value: str) -> dt.date | None:
    """A day typed as the front desk writes it ("07/12/2026") or from a link ("2026-12-07")."""
    value = value.strip()
    if not value:
        return None
    if "/" in value:
        return dt.datetime.strptime(value, "%d/%m/%Y").date()
    return dt.date.fromisoformat(value)


@staff_permission_required(VIEW_AGENDA)
def agenda(request: HttpRequest) -> HttpResponse:
    """One doctor's day: every slot, free or with its patient; previous/next day links."""
    catalog = get_catalog()
    doctors = sorted(catalog.doctors, key=lambda d: person_sort_key(d.name))  # "Ícaro" before "Tiago"
    if not doctors:
        raise Http404("Nenhum médico cadastrado.")
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(catalog.clinic.timezone)).date()
    try:
        day = parse_day(request.GET.get("data", "")) or today
        doctor_id = int(request.GET.get("medico") or doctors[0].id)
    except ValueError:
        messages.error(request, "Data ou médico inválido.")
        return redirect("staff:agenda")
    result = doctor_day_agenda(doctor_id=doctor_id, day=day)
    if result is None:
        raise Http404("Médico não encontrado.")
    context = {
        "agenda": result,
        "doctors": doctors,
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "today": today,
        "section": "agenda",
    }
    return render(request, "staff/agenda.html", context)
