"""What the bridge keeps for the WHMCS side beyond the journal: one-time panel-login
tickets, the signatures of one-time requests it accepted, what its Module Queue hook told
WHMCS about each operation, and the panel session of a failed Test Connection of a server
WHMCS has not saved yet. Imported by `models.py`."""

from django.db import models

from .fields import EncryptedTextField


class WhmcsNotice(models.Model):
    """One thing the Module Queue hook did in WHMCS about an operation, recorded through a
    signed request so that it does it once however often WHMCS's cron runs."""

    class Kind(models.TextChoices):
        FAILURE = "failure", "failure told to staff"
        REPLAY = "replay", "replayed through WHMCS"
        SUPERSEDED = "superseded", "resolved in WHMCS as superseded"

    operation = models.ForeignKey(
        "provisioning.Operation", on_delete=models.CASCADE, related_name="whmcs_notices"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["operation", "kind"], name="whmcs_notice_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} of operation #{self.operation_id}"


class PanelFormDebt(models.Model):
    """A panel session in which a Test Connection of an unsaved server failed to log in: the
    next test of that panel is made in it, so that a good login clears the panel's count."""

    panel_url = models.CharField(max_length=300, unique=True, help_text="scheme://host:port")
    session = EncryptedTextField()
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.panel_url


class PanelLoginTicket(models.Model):
    """A one-time panel login WHMCS asked for: redeemed once, before it expires."""

    token_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token.")
    server = models.ForeignKey("provisioning.Server", on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(
        "provisioning.Service", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    requested_by = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"panel login ticket {self.pk}"


class SpentSignature(models.Model):
    """A signed one-time request the bridge accepted (a panel login...), kept until its
    timestamp is stale so the same signature is refused a second time."""

    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the signature.")
    stale_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"spent signature {self.pk}"
