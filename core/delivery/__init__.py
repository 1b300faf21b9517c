"""Everything the bot sends: the outbox, the shared send budgets, the delivery
engine and the unit of work (Effects) that records sends with a job's rows.
Generic: it knows no feature; features register their own outbox methods.
Imports core.platform, core.jobs.queues and core.telegram.
"""
