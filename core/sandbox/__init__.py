"""Stand-ins for Telegram and Stripe used by sandbox mode and the tests.
Only the wiring and the sandbox routes import this package; a process with a
real BOT_TOKEN never does.
"""
