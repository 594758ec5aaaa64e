"""The panels' call slots (`panels/slots.py`). Imported by `models.py`."""

from django.db import models


class PanelSlot(models.Model):
    """A lease on one of a server's call slots, held while a worker talks to the panel."""

    server = models.ForeignKey(
        "provisioning.Server", on_delete=models.CASCADE, related_name="slots"
    )
    holder = models.CharField(max_length=100)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.holder} on server {self.server_id}"
