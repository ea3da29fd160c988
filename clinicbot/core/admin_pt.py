"""The admin in Portuguese that agrees in gender and number with each model's name.

Django's pt_BR catalogue translates "The {name} “{obj}” was added successfully." once, as
masculine ("O {name} … foi adicionado"), so a feminine model read "O chave de API “Site”
foi adicionado"; its bulk actions say "Remover consultas selecionados" and "Removido 3
consultas com sucesso". Every admin of the project derives from :class:`PtBrModelAdmin`
and declares its model's ``gender``; the messages and the delete action are written to
agree with it.
Messages that do not name the model (our own action messages) pass unchanged.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Literal

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.html import escape
from django.utils.safestring import SafeData, mark_safe

try:  # Django 6.1+: actions are objects and have a location (list or change form)
    from django.contrib.admin.options import ActionLocation
except ImportError:  # Django 5.2 (the stubs describe the installed Django 6.x, where it exists)
    ActionLocation = None  # type: ignore[assignment, misc]

Gender = Literal["m", "f"]
_CHANGE_LIST = ActionLocation.CHANGE_LIST if ActionLocation is not None else None

# Django's (masculine, singular) wording → the pieces that agree with the noun, by
# (gender, plural): article, past participle ending, "foi/foram", object pronoun, "outro".
_FORMS: dict[tuple[Gender, bool], dict[str, str]] = {
    ("m", False): {"art": "O", "end": "o", "verb": "foi", "pron": "lo", "other": "outro"},
    ("f", False): {"art": "A", "end": "a", "verb": "foi", "pron": "la", "other": "outra"},
    ("m", True): {"art": "Os", "end": "os", "verb": "foram", "pron": "los", "other": "outros"},
    ("f", True): {"art": "As", "end": "as", "verb": "foram", "pron": "las", "other": "outras"},
}
_BULK_DELETED = re.compile(r"Removido (\d+) (.+) com sucesso\.")
_LIST_CHANGED = re.compile(r"^(\d+) (.+) modificados? com sucesso\.$")


def gendered_message(message: Any, *, name: str, gender: Gender) -> Any:
    """Django's admin message about a model called ``name``, agreeing with its gender and number."""
    text, safe = str(message), isinstance(message, SafeData)
    forms = _FORMS[(gender, False)]
    bulk = _BULK_DELETED.fullmatch(text)
    if bulk:  # "Removido 3 consultas com sucesso." → "3 consultas removidas com sucesso."
        count = int(bulk[1])
        ending = _FORMS[(gender, count != 1)]["end"]
        text = f"{count} {bulk[2]} removid{ending} com sucesso."
    changed = _LIST_CHANGED.match(text)
    if changed:  # list_editable: "3 consultas modificados" → "3 consultas alteradas"
        ending = _FORMS[(gender, int(changed[1]) != 1)]["end"]
        text = f"{changed[1]} {changed[2]} alterad{ending} com sucesso."
    noun = escape(name)
    if text.startswith(f"O {noun} “"):
        text = forms["art"] + text[1:]
        text = re.sub(
            r"\bfoi (adicionad|alterad|removid)o\b", lambda m: f"{forms['verb']} {m[1]}{forms['end']}", text
        )
        text = re.sub(r"(alterá|editá)-lo\b", rf"\1-{forms['pron']}", text)
        text = text.replace(f"outro {noun}", f"{forms['other']} {noun}")
    return mark_safe(text) if safe else text  # noqa: S308  (Django's own escaped message, rearranged)


class GenderedAdminMixin:
    """Adds gender and number agreement to a ModelAdmin (see the module docstring)."""

    gender: Gender = "m"

    def message_user(  # type: ignore[no-untyped-def]
        self, request: HttpRequest, message: Any, level: int | str = messages.INFO, *args, **kwargs
    ) -> None:
        opts = self.model._meta  # type: ignore[attr-defined]
        message = gendered_message(message, name=str(opts.verbose_name), gender=self.gender)
        super().message_user(request, message, level, *args, **kwargs)  # type: ignore[misc]

    def _gendered_actions(self, actions: dict[str, Any]) -> dict[str, Any]:
        """Django's delete action named with the article ("Remover as consultas selecionadas")."""
        action = actions.get("delete_selected")
        if action is None:
            return actions
        opts = self.model._meta  # type: ignore[attr-defined]
        one, many = _FORMS[(self.gender, False)], _FORMS[(self.gender, True)]
        # Django formats the label with "%(verbose_name)s": a literal "%" must be doubled.
        single = f"Remover {one['art'].lower()} {opts.verbose_name}".replace("%", "%%")
        plural = f"Remover {many['art'].lower()} {opts.verbose_name_plural} selecionad{many['end']}".replace(
            "%", "%%"
        )
        if isinstance(action, tuple):  # Django < 6.1
            actions["delete_selected"] = (action[0], action[1], plural)
        else:
            actions["delete_selected"] = dataclasses.replace(
                action, description=single, plural_description=plural
            )
        return actions

    if ActionLocation is not None:  # Django 6.1 shows actions on the change form too

        def get_actions(self, request: HttpRequest, action_location: Any = _CHANGE_LIST) -> dict[str, Any]:
            return self._gendered_actions(super().get_actions(request, action_location=action_location))  # type: ignore[misc]

    else:
        # Django 5.2's signature; mypy checks the branch above, the one of the installed 6.x.
        def get_actions(self, request: HttpRequest) -> dict[str, Any]:  # type: ignore[misc]
            return self._gendered_actions(super().get_actions(request))  # type: ignore[misc]


class PtBrModelAdmin(GenderedAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """The base of every admin of the project: declare ``gender = "f"`` for a feminine model."""
