"""Worker processes, one per queue: messaging, billing, admin, broadcast."""
