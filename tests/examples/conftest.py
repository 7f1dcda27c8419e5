"""Tests of the example third-party app in ``examples/``.

``example_app`` marks the tests that start the connector as a real process against the
live server (a few seconds each): ``pytest -m "not example_app"`` leaves them out.
"""
