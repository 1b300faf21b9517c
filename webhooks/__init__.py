"""The ingress: verifies and durably records incoming updates and events, nothing else."""
