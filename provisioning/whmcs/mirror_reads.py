"""What the mirror reads first: the rows a WHMCS request names, by their WHMCS ids, each
statement compiled once per process. The webhook's transaction holds SQLite's single
write lock while it reads them, and compiling the four reads took half of it; the
compiling is `db/compiled_reads.py`'s, why it stays, with the figure: README "Speed-ups
kept, and why"."""

from ..db.compiled_reads import CompiledRead, CompiledReads
from ..models import Client, Product, Server, Service

MIRROR_ROWS = CompiledReads(
    # First, and locked (PostgreSQL) for the rest of the transaction: the operation
    # request that follows relies on a current, locked service. The rows it points to
    # come with it: what the service was before the request changes it.
    service=CompiledRead(
        lambda whmcs_id: (
            Service.objects.select_for_update(of=("self",))
            .select_related("server", "client", "product")
            .filter(whmcs_id=whmcs_id)
        )
    ),
    server=CompiledRead(lambda whmcs_id: Server.objects.filter(whmcs_id=whmcs_id)),
    client=CompiledRead(lambda whmcs_id: Client.objects.filter(whmcs_id=whmcs_id)),
    product=CompiledRead(lambda whmcs_id: Product.objects.filter(whmcs_id=whmcs_id)),
)
