"""Every reply the engine renders is an editable template, filled with exactly its placeholders."""

from __future__ import annotations

import ast
import string
from pathlib import Path

from clinicbot.engine.replies.templates import DEFAULTS

ENGINE = Path(__file__).resolve().parents[1]
RENDERERS = {"t", "_t", "render"}  # Turn.t(key, …), answers._t(catalog, key, …), render(key, overrides, …)
# Words that give a Portuguese sentence away (internal English messages have none).
PORTUGUESE = {
    "de",
    "da",
    "do",
    "com",
    "para",
    "pra",
    "não",
    "você",
    "um",
    "uma",
    "na",
    "no",
    "em",
    "que",
    "é",
    "e",
}


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _calls() -> list[tuple[str, str, set[str] | None]]:
    """(where, key, keyword names or None when ``**values`` is passed) of every literal-key render."""
    found = []
    for path in sorted((ENGINE / "dialogue").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in RENDERERS:
                continue
            keys = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if not keys:
                continue
            words = {k.arg for k in node.keywords if k.arg}
            spread = any(k.arg is None for k in node.keywords)
            found.append((f"{path.name}:{node.lineno}", keys[0], None if spread else words))
    return found


def test_every_rendered_key_is_a_template_with_exactly_the_placeholders_given():
    calls = _calls()
    assert len(calls) > 100  # the scan sees the dialogue's replies
    for where, key, words in calls:
        assert key in DEFAULTS, f"{where}: no template {key!r}"
        if words is not None:
            # More values than the default uses is fine: a clinic's wording may use them.
            missing = _placeholders(DEFAULTS[key]) - words
            assert not missing, f"{where}: {key!r} is not given {sorted(missing)}"


def test_the_dialogue_code_has_no_sentence_of_its_own():
    """Patient-facing wording lives in the templates; the code keeps only keys and formatting."""
    for path in sorted((ENGINE / "dialogue").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                words = node.value.lower().split()
                # Regular expressions of the understanding (\\b…) are not sentences.
                sentence = len(words) >= 3 and PORTUGUESE & set(words) and "\\" not in node.value
                assert not sentence, f"{path.name}:{node.lineno}: {node.value!r}"
