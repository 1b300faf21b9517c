"""What the sandbox console (webhooks/console) reads: the fake Telegram's chats as a
messenger lists them, and the product's state a developer watches beside them.

Read-only: everything the console does goes through the ingress as Telegram's
traffic does, or through the fake Telegram's own methods.
"""
