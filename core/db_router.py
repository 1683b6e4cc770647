"""The database router: reads inside `core.replicas.replica_reads()` go to the replica chosen
for that scope; every other read, every write and every migration to the primary."""

from django.db import DEFAULT_DB_ALIAS

from core.replicas import read_alias, replica_aliases


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return read_alias()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # A replica holds the primary's rows: a row read from one may point at a row of the other.
        same_data = {DEFAULT_DB_ALIAS, *replica_aliases()}
        if obj1._state.db in same_data and obj2._state.db in same_data:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A replica takes its schema from the primary's write-ahead log.
        return False if db in replica_aliases() else None
