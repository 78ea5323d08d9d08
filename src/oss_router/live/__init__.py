"""Live status feed: status notices from the broker fanned out to connected screens (SSE)."""
