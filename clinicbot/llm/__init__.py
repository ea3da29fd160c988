"""Optional LLM replies: providers, token accounting and budget, circuit breaker."""
