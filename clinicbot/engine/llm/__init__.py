"""Pure pieces of the LLM layer: clinic facts, retrieval, prompt building, reply checks.

No Django and no network here: the providers and the token accounting live in the
``clinicbot.llm`` app, which calls these functions.
"""
