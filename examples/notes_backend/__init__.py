"""The backend of the demo app Notes Sync: reads its installation's connection from the
marketplace (``GET /api/v1/connection``) and calls the Example Provider with the outside
access token it gets there. See README.md beside this file."""
