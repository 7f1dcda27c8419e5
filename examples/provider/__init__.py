"""A small outside service with an OAuth 2.0 authorization server (oauthlib) and one API
endpoint, for the marketplace's connections: its demo and its tests. See README.md."""
