"""The two kinds of panel failure: the retry decision rests on them alone."""


class PanelError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PanelPermanentError(PanelError):
    """The panel refused (its `KaziWhmcs: ...` texts, `Bad request`, bad credentials)."""


class PanelUsageUnsupported(PanelPermanentError):
    """KaziWhmcs 1.0.0 on i-MSCP 1.2.3+ cannot report usage (an HTML page with 400)."""


class PanelTransientError(PanelError):
    """Worth another attempt. `outcome_unknown`: the panel may have acted already."""

    def __init__(self, message: str, *, outcome_unknown: bool = False):
        super().__init__(message)
        self.outcome_unknown = outcome_unknown
