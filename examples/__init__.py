"""Small third-party apps that use the marketplace the way a real developer's app would."""
