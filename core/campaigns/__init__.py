"""Broadcasts and mass gifts on the broadcast queue. Filled by the campaigns
issue; may import every feature's exports.
"""
