"""WhatsApp channels: gateways (Meta Cloud API, Evolution API, Z-API), webhooks, outbound sending."""
