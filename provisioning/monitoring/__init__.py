"""For operators: incidents, alerts, metrics, health, the worker heartbeat."""
