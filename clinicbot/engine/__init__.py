"""The pure-Python conversation engine.

It imports no Django and no app of this project: it is a function of
(session state, inbound message, ports) -> replies + commands, so it is fast, testable
without a database and identical for WhatsApp, the web simulator, `manage.py chat` and
`manage.py evaluate`.
"""
