"""What a search document copies from other rows, declared once.

A document lists its copies as `copies = {document field: Copied(...)}`. The declaration
serves three readers, so none of them can know something the others do not:

- the document's `prepare()` fills each copied field from it (`Copied.prepare`);
- `search.signals` watches the copied fields (`watched_fields()`): a save that changes one
  reindexes the documents that copy it;
- `search.indexing` finds those documents (`dependents()`) by the lookup the path gives.

A path through another row (an entry's client is its project's client) also watches the
foreign key it walks (the project's `client_id`).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model


def ref_of(*fields: str) -> Callable[[Model], dict]:
    """A reference {"id": pk, field: value, ...} reading exactly `fields`."""

    def ref(obj: Model) -> dict:
        return {"id": obj.pk, **{name: getattr(obj, name) for name in fields}}

    return ref


@dataclass(frozen=True)
class Copied:
    """`fields` of the `model` row reached from the document's row by `path` ("project",
    "project.client"), written into the document by `ref` (default: the id and the fields).

    `follow=False` marks a snapshot: written with the document, not rewritten when the source
    changes (an audit event keeps the names it was written with until it is reindexed)."""

    path: str
    model: type[Model]
    fields: tuple[str, ...]
    ref: Callable[[Model], object] | None = None
    missing: Callable[[Model], object] | None = None  # the value when there is no source row
    follow: bool = True

    @property
    def lookup(self) -> str:
        """The queryset lookup from the document's model to the source row's id."""
        return self.path.replace(".", "__") + "_id"

    def prepare(self, instance: Model):
        source = instance
        for part in self.path.split("."):
            source = getattr(source, part) if source is not None else None
        if source is None:
            return self.missing(instance) if self.missing else None
        return (self.ref or ref_of(*self.fields))(source)


def _hops(document_model: type[Model], copied: Copied):
    """(model, its watched fields, lookup from the document's model) along the path: each
    intermediate row's foreign key, then the source row's fields."""
    model, parts = document_model, copied.path.split(".")
    for depth, part in enumerate(parts):
        if depth:
            yield model, (f"{part}_id",), "__".join(parts[:depth]) + "_id"
        model = model._meta.get_field(part).related_model
    yield model, copied.fields, copied.lookup


def _followed(documents: dict[str, tuple[str, type]]):
    """(label, document model, copied) for every followed copy, shallow paths first (a client's
    projects are reindexed before their entries)."""
    found = [
        (label, document.Django.model, copied)
        for label, (_, document) in documents.items()
        for copied in getattr(document, "copies", {}).values()
        if copied.follow
    ]
    return sorted(found, key=lambda item: item[2].path.count("."))


def watched_fields(documents: dict[str, tuple[str, type]]) -> dict[type[Model], tuple[str, ...]]:
    """Per model, the fields some document copies (in declaration order)."""
    watched: dict[type[Model], dict[str, None]] = {}
    for _, document_model, copied in _followed(documents):
        for model, fields, _lookup in _hops(document_model, copied):
            watched.setdefault(model, {}).update(dict.fromkeys(fields))
    return {model: tuple(fields) for model, fields in watched.items()}


def dependents(documents: dict[str, tuple[str, type]]) -> dict[str, tuple[tuple[str, str], ...]]:
    """Per changed model's label: (label of a document copying it, lookup to the changed row)."""
    found: dict[str, dict[tuple[str, str], None]] = {}
    for label, document_model, copied in _followed(documents):
        for model, _fields, lookup in _hops(document_model, copied):
            found.setdefault(model._meta.label_lower, {})[(label, lookup)] = None
    return {source: tuple(pairs) for source, pairs in found.items()}
