"""What every process stands on: settings from the environment and from the
database, Postgres pools and named SQL, the one error tree, logging, start-up.
Imports nothing else of core.
"""
