"""Persistence speed-ups, behind one seam: rows written and read without model instances
(`lean_rows`), SQLite's single writer taken in turn (`write_turns`), the task queue's
brokers (`task_broker`) and the bell that wakes the database broker (`queue_bell`). The
rules call these; what they do to the database is a figure in docs/performance.md."""
