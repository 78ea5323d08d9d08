"""The command line: the parser (main.py; handlers imported lazily), the serving commands and the
back-end roles."""
