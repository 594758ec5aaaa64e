"""Which language a client's page speaks: the WHMCS client's own language when the bridge
has it, else the browser's (LocaleMiddleware read Accept-Language), else English.

WHMCS names its languages in English ("german", "french"), per client in
`clientsdetails.language`, empty for WHMCS's default language."""

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

from ..models import Client

# WHMCS's language names (its lang/<name>.php files) for the languages in settings.LANGUAGES.
WHMCS_LANGUAGES = {"english": "en", "german": "de", "french": "fr"}


def whmcs_language_code(name: str) -> str | None:
    """The bridge's language code for a WHMCS language name, None when it has none."""
    code = WHMCS_LANGUAGES.get(name.strip().lower())
    return code if code in dict(settings.LANGUAGES) else None


def client_language_activate(request: HttpRequest, client: Client) -> None:
    """Switch the request to the client's language when WHMCS gave one the bridge has;
    otherwise keep what LocaleMiddleware chose. LocaleMiddleware sends the language in
    force back as the answer's Content-Language."""
    code = whmcs_language_code(client.language)
    if code is not None:
        translation.activate(code)
        request.LANGUAGE_CODE = code
