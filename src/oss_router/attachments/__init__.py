"""Attachments on conversation messages: upload, checks on the bytes, storage, download."""
