"""``paid-desk``: the operator's command line (console script in pyproject.toml).

The jobs done once or now and then: point the webhook, check a deployment,
apply migrations, manage operators and credits, export, back up and restore.
It wires things like the processes do (``cli.wiring``), so it sits beside
``workers`` and ``webhooks``, over ``core``.
"""
