"""Hand-offs up the layers: what a lower wing tells a higher one without importing it.

The wings point one way: panels <- operations <- the faces (whmcs, admin, clientarea,
monitoring), with the shared modules and `db/` under them all. Where an event of a lower
wing matters to a higher one, the lower one sends one of these signals and the higher
one's receiver, connected in `ProvisioningConfig.ready` (apps.py), acts on it within the
sender's call, as a direct call would (in its transaction; an error propagates):

- `attempt_finished` (operations.worker, in the transaction that journals the end of an
  attempt; `operation`, `state`, `text`, `error`): monitoring opens or settles incidents.
- `reconcile_saved` (operations.reconcile, in the report's transaction; `report`):
  monitoring opens or resolves the drift incidents.
- `cluster_status` (db.task_broker, whenever django-q2's guard saves its status;
  `packed`): monitoring records the heartbeat /healthz reads.
- `slot_freed` (panels.slots, in the transaction that frees a slot an operation turned
  away by the full server was waiting for; `operation_id`): operations queues it.
- `server_released` (panels.access, in the transaction that ends a server's hold or
  pause; `server_id`, `until`, `now`): operations queues what the server kept waiting.

A finished operation that wakes a waiting status request needs none: both are
operations (`waits.operation_changed_notify`)."""

from django.dispatch import Signal

attempt_finished = Signal()
reconcile_saved = Signal()
cluster_status = Signal()
slot_freed = Signal()
server_released = Signal()
