"""Test Connection of a server WHMCS has not saved yet (WHMCS offers the button "when
adding or editing an existing server", before it has an id): the form's address, TLS and
reseller credentials are tried on the panel, and nothing a later command would trust is
stored. A failed login is cleared as for every other call: its panel session goes to a
saved server of the same panel (whose next call clears it), else it is kept for the next
test of that panel (PanelFormDebt), which is made in it."""

from copy import copy
from datetime import timedelta

from django.utils import timezone

from ..models import PanelFormDebt, Server
from .access import panel_access
from .imscp import client as panel
from .imscp.errors import PanelError, PanelLoginRefused, PanelTransientError

FORM_DEBT_KEPT = timedelta(days=1)


def _saved_server(panel_url: str) -> Server | None:
    for server in Server.objects.filter(active=True).order_by("id"):
        if panel.panel_base_url(server) == panel_url:
            return server
    return None


def form_connection_test(form: Server) -> str:
    """ "success", or the reason the panel (or the bridge) gives."""
    panel_url = panel.panel_base_url(form)
    saved = _saved_server(panel_url)
    if saved is not None:
        # The saved server's session and slots with the form's credentials: their refusal
        # holds nothing of the saved server's queue, their success lifts no hold of it.
        trial = copy(saved)
        trial.reseller_username, trial.reseller_password = (
            form.reseller_username,
            form.reseller_password,
        )
        trial.login_refused = ""
        try:
            with panel_access(trial) as target:
                panel.connection_test(target)
        except PanelError as exc:
            return exc.message
        return "success"
    # The panel forgets a failed login within its block time (30 minutes by default).
    PanelFormDebt.objects.filter(created_at__lt=timezone.now() - FORM_DEBT_KEPT).delete()
    debt = PanelFormDebt.objects.filter(panel_url=panel_url).first()
    target = panel.PanelTarget.for_server(form, session=debt.session if debt else "")
    try:
        panel.connection_test(target)
    except PanelError as exc:
        if exc.session:
            PanelFormDebt.objects.update_or_create(
                panel_url=panel_url,
                defaults={"session": exc.session, "created_at": timezone.now()},
            )
        elif debt is not None and not isinstance(exc, (PanelLoginRefused, PanelTransientError)):
            debt.delete()  # the login worked: the panel forgot the failed one
        return exc.message
    if debt is not None:
        debt.delete()
    return "success"
