"""Portuguese (pt-BR) natural-language understanding: text -> intent + entities."""
