"""The customer's pages: the service page, its signed-link access and the usage chart."""
