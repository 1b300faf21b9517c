"""Telegram as the product talks to it: the gateway protocol and its Pyrogram
implementation, the session kept in Postgres, error translation, Bot API
calls and the reading of updates. Imports only core.platform.
"""
