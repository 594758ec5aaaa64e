"""The task queue's broker on the bridge's own database (the embedded default).

django-q2's ORM broker, except that a task queued inside a transaction (a webhook's,
journaling its operation) is written with one prepared INSERT instead of a queryset,
which costs more than the insert itself on the webhook's hot path. Outside a
transaction the broker's own enqueue runs (it also closes stale connections)."""

from django.db import transaction
from django.utils import timezone
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.models import OrmQ

from .lean_rows import row_insert


class DatabaseBroker(ORM):
    def enqueue(self, task):
        if transaction.get_autocommit(using=Conf.ORM):
            return super().enqueue(task)
        key = self.list_key or Conf.CLUSTER_NAME
        return row_insert(OrmQ(key=key, payload=task, lock=timezone.now())).pk
