"""The registrar: registers what partners sent through the channels (issue 13)."""
