"""The two kinds of panel failure: the retry decision rests on them alone."""


class PanelError(Exception):
    # A panel session (cookie `name=value`) in which a login failed and that no
    # successful login has cleared yet: the panel counts it against the bridge's address
    # until the bridge logs in again in that session. Empty when there is none.
    session: str = ""
    # When the failed login was sent (time.time()): the panel's count is the first one's.
    sent_at: float = 0.0

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PanelPermanentError(PanelError):
    """The panel refused (its `KaziWhmcs: ...` texts, `Bad request`, bad credentials)."""


class PanelUsageUnsupported(PanelPermanentError):
    """KaziWhmcs 1.0.0 on i-MSCP 1.2.3+ cannot report usage (an HTML page with 400)."""


class PanelLoginRefused(PanelPermanentError):
    """The reseller's login failed (its `session` is the one to clear)."""


class PanelTransientError(PanelError):
    """Worth another attempt. `outcome_unknown`: the panel may have acted already;
    `unreachable`: the call did not reach the panel or got no answer from it."""

    def __init__(self, message: str, *, outcome_unknown: bool = False, unreachable: bool = False):
        super().__init__(message)
        self.outcome_unknown = outcome_unknown
        self.unreachable = unreachable


class PanelLockedOut(PanelTransientError):
    """The panel's brute-force protection refuses the bridge's address for `seconds`
    (nothing was done). It lifts by itself: no call is worth making before."""

    def __init__(self, message: str, *, seconds: int):
        super().__init__(message)
        self.seconds = seconds
