"""Which feature handles a command or a button: routers, typed callback data,
screens shown in place, and the command menu registered with Telegram.
Imports the shared layers only.
"""
