"""What an attempt reads first, in one statement compiled once per process: the operation
with its server, service, client and product, whether it waits for an earlier one of its
service, and whether an incident a success could settle is open (the success tells
monitoring only then). The compiling is `db/compiled_reads.py`'s; why it stays, with the
figure: README "Speed-ups kept, and why"."""

from ..db.compiled_reads import CompiledRead
from ..models import Operation
from ..monitoring_models import settleable_incidents_open
from .queueing import earlier_unfinished

_OPERATION_FOR_ATTEMPT = CompiledRead(
    lambda pk: (
        Operation.objects.select_related("server", "service__client", "service__product")
        .annotate(waits=earlier_unfinished(), incidents_open=settleable_incidents_open())
        .filter(pk=pk)
    )
)


def operation_for_attempt(operation_id: int) -> Operation | None:
    """The operation (None if there is none), with `waits` and `incidents_open`."""
    return _OPERATION_FOR_ATTEMPT.get(operation_id)
