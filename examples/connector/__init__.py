"""Example Connector: a third-party app that installs itself through the marketplace's
OAuth 2.0 authorization server and calls its API.

Plain Python (the standard library's WSGI server and ``requests``), run with
``python -m examples.connector``. See ``examples/connector/README.md``.
"""
