"""Conversation sessions and messages, the session store and the turn pipeline."""
