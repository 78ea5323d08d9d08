"""Yearly statistics of requests sent (Directive 2023/977 Art. 18)."""
