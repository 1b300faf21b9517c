"""The operator desk: conversations as tickets, quick replies, analytics.
Filled by the desk issue; may import every feature's exports.
"""
