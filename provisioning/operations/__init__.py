"""The journal of operations: accept, order, run, and what is still owed."""
