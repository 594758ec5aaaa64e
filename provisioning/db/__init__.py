"""The task queue under the wings: the brokers (`task_broker`, named in the settings; the
operations queue through `task_broker.task_send`) and the bell that wakes the database
broker's pusher when a task is queued (`queue_bell`, SQLite only: the embedded round trip
needs it, see README "Performance")."""
