"""Gateway adapters behind one interface (see base.py)."""
