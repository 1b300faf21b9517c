"""The paid relay: a user's message charged and copied into their topic, the
operators' answers copied back, edits, topics and low-credit warnings.
Imports the shared layers; other features use what this package exports.
"""
