"""The dialogue policy: an explicit state machine over the conversation state."""
