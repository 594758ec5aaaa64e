"""`{{ domain|domain_wrap }}`: a domain that wraps between its labels, never inside one.

Browsers break long words anywhere (with `overflow-wrap: anywhere`) or after hyphens,
which cuts a domain in the middle of a label ("demo.example.c / om"). Each label (with
its dot) becomes an inline block, so lines break only between labels; a single label
wider than the line still wraps inside its own block rather than overflow the page."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def domain_wrap(domain: str) -> SafeString:
    labels = str(domain).split(".")
    pieces = [label + "." for label in labels[:-1]] + labels[-1:]
    return format_html(
        '<span class="domain-wrap">{}</span>',
        format_html_join(
            mark_safe("<wbr>"), '<span class="domain-label">{}</span>', ((p,) for p in pieces)
        ),
    )
