"""Forms of the account pages: signing in and passwords (auth), users (users)."""
