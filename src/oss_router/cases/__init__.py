"""Case files: one matter of the bureau, the requests sent and received about it, one timeline."""
