"""Conversations: the messages exchanged about an exchange after it began (issue 15)."""
