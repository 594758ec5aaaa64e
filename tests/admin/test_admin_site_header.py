"""The admin names the product, not Django."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_admin_header_and_title_name_the_product(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert "<title>Dashboard | kaziwhmcs</title>" in page
    assert "kaziwhmcs · i-MSCP provisioning" in page
    assert "Django administration" not in page and "Django site admin" not in page


def test_the_login_page_names_it_too(client):
    page = client.get("/admin/login/").content.decode()
    assert "kaziwhmcs · i-MSCP provisioning" in page
    assert "Django administration" not in page
