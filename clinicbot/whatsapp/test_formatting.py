"""WhatsApp formatting on our screens: bold, italic, strike, monospace and links, escaped."""

from __future__ import annotations

import pytest

from .formatting import whatsapp_html


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("Código: *P59SR5*", "Código: <strong>P59SR5</strong>"),
        ("Responda *1* ou *2*", "Responda <strong>1</strong> ou <strong>2</strong>"),
        ("_itálico_, ~riscado~ e ```mono```", "<em>itálico</em>, <s>riscado</s> e <code>mono</code>"),
        ("2*3*4 e snake_case_name", "2*3*4 e snake_case_name"),  # inside a word: not formatting
        ("* nada *", "* nada *"),  # a space inside the marker: not formatting
        ("<b>oi</b> *oi*", "&lt;b&gt;oi&lt;/b&gt; <strong>oi</strong>"),
    ],
)
def test_whatsapp_markers_become_html_and_everything_else_is_escaped(text, html):
    assert whatsapp_html(text) == html


def test_links_are_clickable_whole_and_never_formatted_inside():
    html = whatsapp_html("Fale com a recepção: https://atend.clinica.com.br/w?codigo=P5_9&x=*1*.")
    url = "https://atend.clinica.com.br/w?codigo=P5_9&amp;x=*1*"
    assert html == (
        f'Fale com a recepção: <a href="{url}" target="_blank" rel="noopener noreferrer">{url}</a>.'
    )
