"""``{{ text|whatsapp }}``: a message as WhatsApp shows it (see ``clinicbot.whatsapp.formatting``)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from clinicbot.whatsapp.formatting import whatsapp_html

register = template.Library()


@register.filter(name="whatsapp")
def whatsapp(text: str) -> SafeString:
    return whatsapp_html(str(text))
