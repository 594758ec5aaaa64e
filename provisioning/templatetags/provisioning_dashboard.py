"""`{% dashboard_sections as sections %}` for the admin index (see provisioning.admin.dashboard)."""

from django import template

from ..admin.dashboard import Section
from ..admin.dashboard import dashboard_sections as build_sections

register = template.Library()


@register.simple_tag
def dashboard_sections() -> list[Section]:
    return build_sections()
