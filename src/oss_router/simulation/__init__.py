"""``oss-router simulate inbound``: make a stub partner send requests now (issue 13)."""
