"""Migrations for a model that changes apps but keeps its table (``SeparateDatabaseAndState``).

Only Django's state moves; the content type is renamed with it, so the permissions granted
on the model (the "Recepção" group's) follow it. On a fresh database there is nothing to
rename yet: the content types are created after the migrations.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def content_type_moved(model: str, *, old_app: str, new_app: str) -> migrations.RunPython:
    """A reversible step renaming ``model``'s content type from ``old_app`` to ``new_app``."""

    def rename(apps: Any, schema_editor: Any, source: str = old_app, target: str = new_app) -> None:
        content_type = apps.get_model("contenttypes", "ContentType")
        content_type.objects.filter(app_label=source, model=model).update(app_label=target)

    def undo(apps: Any, schema_editor: Any) -> None:
        rename(apps, schema_editor, source=new_app, target=old_app)

    return migrations.RunPython(rename, undo)
