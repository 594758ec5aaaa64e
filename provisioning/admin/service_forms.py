"""The forms of the service admin: a service's own fields, and the password an operator
sends to the panel with "Change password"."""

from django import forms

from ..domains import DomainError, domain_normalize
from ..models import Service
from ..passwords import password_generate, password_problem


class ServiceForm(forms.ModelForm):
    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only: never shown. Leave empty to keep the current password. "
        "This changes the bridge's copy only: use the “Change password” action to "
        "change it on the panel.",
    )

    class Meta:
        model = Service
        fields = ["whmcs_id", "client", "product", "server", "domain", "username"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._kept_password = self.instance.password  # as ServerForm (admin/servers.py)

    def clean_domain(self) -> str:
        try:
            unicode_form, ascii_form = domain_normalize(self.cleaned_data["domain"])
        except DomainError as exc:
            raise forms.ValidationError(f"The domain {exc}.") from None
        self.instance.domain_ascii = ascii_form
        return unicode_form

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if password and (problem := password_problem(password)):
            raise forms.ValidationError(f"The password {problem}.")
        return password

    def save(self, commit: bool = True) -> Service:
        self.instance.password = self.cleaned_data.get("password") or self._kept_password
        return super().save(commit)


class ChangePasswordForm(forms.Form):
    how = forms.ChoiceField(
        choices=[
            ("generate", "Generate a strong password for each account"),
            ("typed", "Use this password:"),
        ],
        widget=forms.RadioSelect,
        initial="generate",
    )
    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("how") == "typed":
            password = data.get("password", "")
            problem = password_problem(password)
            if problem:
                self.add_error("password", f"The password {problem}.")
        return data

    def password_for(self):
        if self.cleaned_data["how"] == "typed":
            typed = self.cleaned_data["password"]
            return lambda service: typed
        return lambda service: password_generate()
