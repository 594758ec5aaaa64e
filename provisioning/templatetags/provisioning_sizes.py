"""`{{ figure|size_mb }}`: a size the panel gave in decimal MB, as provisioning.sizes
writes it everywhere (120 MB, 1.05 GB)."""

from django import template

from ..sizes import size_text

register = template.Library()


@register.filter
def size_mb(mb: int | float | None) -> str:
    return "" if mb is None else size_text(mb)
