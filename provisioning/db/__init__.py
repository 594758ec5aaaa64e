"""Under the wings: the task queue's brokers (`task_broker`, named in the settings; the
operations queue through `task_broker.task_send`), the bell that wakes the database
broker's pusher when a task is queued (`queue_bell`, SQLite), and reads compiled once
(`compiled_reads`: the worker's first read through `operations/attempt_reads.py`, the
mirror's through `whmcs/mirror_reads.py`). Why the last two stay, with the figures: README
"Speed-ups kept, and why"."""
