"""What a user sees around messaging: welcome, tour, menu, balance card,
language and reset. Imports the shared layers and the exports of core.relay.incoming
and core.billing.
"""
