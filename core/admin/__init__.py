"""The operator control center (roles, audit, users, settings, system, search,
dashboard). Filled by the control-center issue; may import every feature's
exports.
"""
