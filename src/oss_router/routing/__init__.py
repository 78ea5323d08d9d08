"""Routing policy: which channel carries each target country of a request, why, and by when."""
