"""On SQLite, a webhook's write transaction holds an OS file lock that other webhooks
queue on; elsewhere (PostgreSQL, or inside a transaction already held) it takes none."""

import fcntl
import os

import pytest
from django.db import connection, transaction

from provisioning.db.write_turns import _lock_path, write_turn
from provisioning.whmcs import intake
from tests.webhook_client import command_body, post_webhook

pytestmark = pytest.mark.django_db(transaction=True)


def _taken_by_someone_else(path: str) -> bool:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


@pytest.fixture
def lock_path():
    path = _lock_path(connection)
    if path is None:
        pytest.skip("write turns apply to SQLite file databases only")
    return path


def test_the_turn_is_held_for_the_transaction_and_released_after(lock_path):
    with write_turn(), transaction.atomic():
        assert _taken_by_someone_else(lock_path)
    assert not _taken_by_someone_else(lock_path)


class Boom(Exception):
    pass


def test_the_turn_is_released_when_the_transaction_fails(lock_path):
    with pytest.raises(Boom), write_turn(), transaction.atomic():
        raise Boom
    assert not _taken_by_someone_else(lock_path)


def test_inside_a_transaction_already_held_no_turn_is_taken(lock_path):
    with transaction.atomic(), write_turn():
        assert not _taken_by_someone_else(lock_path)


def test_postgresql_takes_no_turn():
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL lane checks this")
    assert _lock_path(connection) is None


def test_a_webhook_holds_the_turn_while_it_is_accepted(lock_path, client, monkeypatch):
    seen = []
    mirror_update = intake.mirror_update

    def spied(req):
        seen.append(_taken_by_someone_else(lock_path))
        return mirror_update(req)

    monkeypatch.setattr(intake, "mirror_update", spied)
    assert post_webhook(client, command_body("CreateAccount")).status_code == 202
    assert seen == [True]
    assert not _taken_by_someone_else(lock_path)
