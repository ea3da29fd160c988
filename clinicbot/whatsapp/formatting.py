"""WhatsApp's text formatting as HTML, for screens that show a conversation (simulator, staff desk).

WhatsApp renders ``*negrito*``, ``_itálico_``, ``~riscado~`` and ```` ```monoespaçado``` ````
and makes links clickable; our pages showed the markers raw. The text is escaped first,
so only the tags added here are HTML. A marker counts as WhatsApp counts it: right
against the words it wraps ("*Código:*"), not inside a word ("2*3*4") nor around spaces.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Links: http(s) up to a space; a final punctuation mark is the sentence's, not the link's.
_LINK = re.compile(r"\bhttps?://[^\s<]+[^\s<.,;:!?)\]'\"]")
_MONO = re.compile(r"```(.+?)```", re.DOTALL)


def _span(marker: str) -> re.Pattern[str]:
    m = re.escape(marker)
    # Opening marker after a start, space or opening punctuation; closing before an end,
    # space or punctuation; no space just inside either marker; one line.
    return re.compile(rf"(?<![\w{m}])({m})(?=\S)([^\n]*?\S)\1(?![\w{m}])")


_STYLES = ((_span("*"), "strong"), (_span("_"), "em"), (_span("~"), "s"))


def whatsapp_html(text: str) -> SafeString:
    """``text`` as WhatsApp shows it: escaped, with bold, italic, strike, monospace and links."""
    html: str = escape(text)  # a SafeString, then plain str as tags are added; marked safe at the end
    links: list[str] = []

    def keep_link(match: re.Match[str]) -> str:
        # Links are set aside first, so "_" or "*" inside a URL is never formatting.
        links.append(match.group(0))
        return f"\x00{len(links) - 1}\x00"

    html = _LINK.sub(keep_link, html)
    html = _MONO.sub(r"<code>\1</code>", html)
    for pattern, tag in _STYLES:
        html = pattern.sub(rf"<{tag}>\2</{tag}>", html)
    html = re.sub(
        r"\x00(\d+)\x00",
        lambda m: (
            f'<a href="{links[int(m[1])]}" target="_blank" rel="noopener noreferrer">{links[int(m[1])]}</a>'
        ),
        html,
    )
    return mark_safe(html)  # noqa: S308  (escaped above; only our own tags added)
