"""Conversations about an exchange (issue 15): follow-ups, reminders, additional information
and spontaneous information, in both directions."""
