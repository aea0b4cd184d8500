"""The pieces of `kg serve`: the Starlette app (app), its HTML pages (pages)."""
