"""The dialogue: a router over one module per flow (see router.py); entry.py for other layers."""
