"""Queues and tasks (procrastinate, deferred from asyncpg), where each incoming
update goes, the messaging inbox, exactly-once markers and the recovery of
dead workers' jobs. Imports only core.platform.
"""
