"""Admin: the LGPD audit trail (read-only) and the staff page to export or erase a patient."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from clinicbot.core.admin_pt import PtBrModelAdmin
from clinicbot.core.phones import InvalidPhone, normalize_phone
from clinicbot.core.wording import counted

from .models import PrivacyAuditEntry
from .services import PrivacyError, patient_data_erase, patient_data_export
from .sources import personal_data_sources
from .subject import hash_key_id, legacy_phone_hashes, phone_hash, subject_for


class PatientDataForm(forms.Form):
    phone = forms.CharField(label="Telefone do paciente", max_length=40)

    def clean_phone(self) -> str:
        try:
            return subject_for(phone=self.cleaned_data["phone"]).phone
        except PrivacyError as exc:
            raise forms.ValidationError(str(exc)) from None


@admin.register(PrivacyAuditEntry)
class PrivacyAuditEntryAdmin(PtBrModelAdmin):
    list_display = ("created_at", "action", "actor", "short_hash", "hash_key_id", "counts")
    list_filter = ("action",)
    search_fields = ("actor", "phone_hash")
    readonly_fields = ("created_at", "action", "actor", "user", "phone_hash", "hash_key_id", "counts", "note")
    change_list_template = "admin/privacy/privacyauditentry/change_list.html"

    search_help_text = "Busque pelo telefone do paciente (qualquer formato) ou por quem executou."

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[PrivacyAuditEntry], search_term: str
    ) -> tuple[QuerySet[PrivacyAuditEntry], bool]:
        """A phone typed in the search box finds its entries by hash (current key and legacy rows)."""
        try:
            digits = normalize_phone(search_term) if sum(c.isdigit() for c in search_term) >= 8 else ""
        except InvalidPhone:
            digits = ""
        if not digits:
            return super().get_search_results(request, queryset, search_term)
        by_hash = Q(phone_hash=phone_hash(digits), hash_key_id=hash_key_id()) | Q(
            hash_key_id="legacy", phone_hash__in=legacy_phone_hashes(digits)
        )
        return queryset.filter(by_hash), False

    @admin.display(description="telefone (hash)")
    def short_hash(self, obj: PrivacyAuditEntry) -> str:
        return obj.phone_hash[:12]

    # The trail is written only by the services: nobody adds, edits or deletes it here.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.patient_data_view)
        return [path("dados-do-paciente/", view, name="privacy_patient_data"), *super().get_urls()]

    def patient_data_view(self, request: HttpRequest) -> HttpResponse:
        """Export (JSON download) or erase (after a confirmation step) one phone's data."""
        user = request.user
        can_export = user.has_perm("privacy.export_patient_data")
        can_erase = user.has_perm("privacy.erase_patient_data")
        if not (can_export or can_erase):
            raise PermissionDenied
        form = PatientDataForm(request.POST or None)
        context = {
            **self.admin_site.each_context(request),
            "title": "Dados do paciente (LGPD)",
            "form": form,
            "can_export": can_export,
            "can_erase": can_erase,
            "opts": self.model._meta,
        }
        if request.method != "POST" or not form.is_valid():
            return TemplateResponse(request, "admin/privacy/patient_data.html", context)
        phone = form.cleaned_data["phone"]
        action = request.POST.get("action")
        if action == "export" and can_export:
            data = patient_data_export(phone=phone, actor=user)  # type: ignore[arg-type]
            response = HttpResponse(
                json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
                content_type="application/json; charset=utf-8",
            )
            name = f"dados-paciente-{timezone.now():%Y%m%d-%H%M%S}.json"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        if action == "erase" and can_erase:
            if request.POST.get("confirm") != "yes":
                subject = subject_for(phone=phone)
                context["preview"] = {s.name: s.rows(subject).count() for s in personal_data_sources()}
                context["phone"] = phone
                return TemplateResponse(request, "admin/privacy/patient_data_confirm.html", context)
            result = patient_data_erase(phone=phone, actor=user, now=timezone.now())  # type: ignore[arg-type]
            self.message_user(
                request,
                "Dados apagados; "
                + counted(
                    result.counts["future_appointments_cancelled"],
                    "%(n)d consulta futura cancelada",
                    "%(n)d consultas futuras canceladas",
                )
                + f". Auditoria #{result.audit_id}.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:privacy_privacyauditentry_changelist"))
        raise PermissionDenied
