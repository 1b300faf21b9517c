"""Domain and adapters shared by every process: the ingress and the workers."""
