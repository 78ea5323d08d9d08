"""Deadlines: the watch that flags dispatches due soon (warning) and past due (overdue)."""
