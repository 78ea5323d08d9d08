"""The desk officers' web client: server-rendered page shells, static CSS and JavaScript.

Pages carry no data of their own: their scripts read and write everything through the /v1 API
with the officer's bearer token, so the API stays the single source of truth.
"""
