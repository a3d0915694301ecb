"""Website chat: visitors' sockets bound to their own conversation, and the widget."""
