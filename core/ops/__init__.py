"""Running the service: metrics, readiness, retention, Telegram's view of the
webhook, exports. Read-mostly over every feature's tables through SQL of its
own; imports only the shared layers, so the control center may use it.
"""
