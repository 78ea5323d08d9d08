"""Who is calling: principals, roles and (later) token verification."""
