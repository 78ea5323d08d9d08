"""The exchange request: intake, routing, storage, tracking and cancellation."""
