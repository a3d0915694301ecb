"""Notifications: events told to Slack and signed webhooks, once, from beside the relay."""
