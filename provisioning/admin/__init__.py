"""The operator's console: one module per model, registered on import."""

from django.contrib import admin

from . import catalog, incidents, operations, reconciliation, servers, services  # noqa: F401

# The lists are wide (usage bars, badges): the page's width goes to them, not to a
# second copy of the model list that the breadcrumbs and the index already give.
admin.site.enable_nav_sidebar = False

# The product's name, where Django would say "Django administration".
admin.site.site_header = "kaziwhmcs · i-MSCP provisioning"
admin.site.site_title = "kaziwhmcs"
admin.site.index_title = "Dashboard"
