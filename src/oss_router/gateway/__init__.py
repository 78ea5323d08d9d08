"""The gateway's HTTP layer: guards on what a client sends (heads, bodies, text, rates),
security headers, problem+json errors, the OpenAPI document and its local Swagger UI, and
the bounded HTTP server."""
