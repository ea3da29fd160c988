"""Pytest fixtures of the gateway tests (helpers live in _testkit.py)."""

from ._testkit import gateway_server

__all__ = ["gateway_server"]
