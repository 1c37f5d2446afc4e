"""Account pages: signing in, the Users section and profiles."""
