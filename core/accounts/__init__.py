"""Users and their credits: profiles, languages, the append-only ledger, and
the events a change of balance publishes. Imports the shared layers only.
"""
