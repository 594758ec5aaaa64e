"""Reaching an i-MSCP panel without hurting it: access, slots, commands, account
lists, usage, call timings; `imscp` is the protocol, importing nothing of the app."""
