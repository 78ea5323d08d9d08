"""Requests received from partners: registration, national checks, deadlines, replies."""
