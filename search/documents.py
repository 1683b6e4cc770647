"""What Elasticsearch holds: one index per searchable model, with explicit mappings.

Text is analysed twice: the field itself with English stemming and a `.de` sub-field with
German stemming, both lower-cased and ASCII-folded, so "Besprechungen" finds "besprechung"
and "meetings" finds "meeting". Passwords, tokens and feed secrets are never indexed.

Indexing is driven by `search.signals` through Celery tasks (`ignore_signals = True`), and
never refreshes inline (`auto_refresh = False`).
"""

from django.conf import settings
from django_elasticsearch_dsl import Document, fields
from django_elasticsearch_dsl.registries import registry
from elasticsearch.dsl import analyzer, token_filter

from core.models import AuditEvent
from core.periods import hours
from leave.models import LeaveRequest, LeaveType
from search.copies import Copied
from timeentries.models import Client, Project, Task, TimeEntry
from users.models import Team, User

english_stemmer = token_filter("tt_english_stemmer", type="stemmer", language="english")
english_stop = token_filter("tt_english_stop", type="stop", stopwords="_english_")
german_stemmer = token_filter("tt_german_stemmer", type="stemmer", language="light_german")
german_stop = token_filter("tt_german_stop", type="stop", stopwords="_german_")

text_en = analyzer(
    "tt_text_en", tokenizer="standard", filter=["lowercase", english_stop, "asciifolding", english_stemmer]
)
text_de = analyzer(
    "tt_text_de",
    tokenizer="standard",
    filter=["lowercase", german_stop, "german_normalization", "asciifolding", german_stemmer],
)
INDEX_SETTINGS = {"number_of_shards": 1, "number_of_replicas": 0}


def text_field() -> fields.TextField:
    """English analysis, a German `.de` sub-field, and the exact value as `.raw`."""
    return fields.TextField(
        analyzer=text_en,
        fields={"de": fields.TextField(analyzer=text_de), "raw": fields.KeywordField(ignore_above=256)},
    )


def project_properties() -> dict:
    return {"id": fields.IntegerField(), "name": text_field(), "code": fields.KeywordField()}


def index_name(suffix: str) -> str:
    return f"{settings.ELASTICSEARCH_INDEX_PREFIX}-{suffix}"


USER_NAME_FIELDS = ("first_name", "last_name", "email")


def _user_ref(user) -> dict:
    return {"id": user.pk, "name": user.get_full_name() or user.email}


def _actor_label(event) -> dict | None:
    return {"id": None, "name": event.actor_label} if event.actor_label else None


class PreparedDocument(Document):
    """django-elasticsearch-dsl 9.0 stores its field preparers with `setattr`, which
    elasticsearch 9.5's AttrDict diverts into the document's data, so `prepare()` finds the
    empty class default and returns {}. Keep the preparers as a plain instance attribute.

    `copies` declares the fields copied from other rows (see `search.copies`): they are
    prepared from that declaration, never by a `prepare_<field>` method of their own."""

    copies = {}  # no annotation: the DSL would take an annotated attribute for a field

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        preparers = [
            (name, field, self.copies[name].prepare if name in self.copies else prepare)
            for name, field, prepare in self.init_prepare()
        ]
        object.__setattr__(self, "_preparers", preparers)

    def prepare(self, instance) -> dict:
        return {name: prepare_field(instance) for name, _field, prepare_field in self._preparers}


@registry.register_document
class TimeEntryDocument(PreparedDocument):
    id = fields.IntegerField()
    description = text_field()
    project = fields.ObjectField(properties=project_properties())
    task = fields.ObjectField(properties={"id": fields.IntegerField(), "name": text_field()})
    client = fields.ObjectField(properties={"id": fields.IntegerField(), "name": text_field()})
    user = fields.ObjectField(properties={"id": fields.IntegerField(), "name": text_field()})
    team_id = fields.IntegerField()
    start = fields.DateField()
    end = fields.DateField()
    hours = fields.FloatField()
    billable = fields.BooleanField()
    # Added with the two kinds of entry: a duration entry has no start or end, only its
    # local day (a clocked entry's day is its start's local day); hours are worked hours.
    kind = fields.KeywordField()
    day = fields.DateField()
    break_minutes = fields.IntegerField()

    class Index:
        name = index_name("time-entries")
        settings = INDEX_SETTINGS

    class Django:
        model = TimeEntry
        auto_refresh = False
        ignore_signals = True
        queryset_pagination = 1000

    copies = {
        "project": Copied("project", Project, ("name", "code")),
        "task": Copied("task", Task, ("name",)),
        "client": Copied("project.client", Client, ("name",)),
        "user": Copied("user", User, USER_NAME_FIELDS, _user_ref),
        "team_id": Copied("user", User, ("team_id",), lambda user: user.team_id),
    }

    def get_queryset(self):
        return TimeEntry.objects.select_related("user", "project", "project__client", "task")

    def prepare_hours(self, entry):
        """Worked hours (a clocked entry's span less its break); none while a timer runs."""
        worked = entry.worked()
        return None if worked is None else float(hours(worked))


@registry.register_document
class ProjectDocument(PreparedDocument):
    id = fields.IntegerField()
    name = text_field()
    code = fields.KeywordField()
    client = fields.ObjectField(properties={"id": fields.IntegerField(), "name": text_field()})
    team_ids = fields.IntegerField(multi=True)
    archived = fields.BooleanField()
    billable = fields.BooleanField()

    class Index:
        name = index_name("projects")
        settings = INDEX_SETTINGS

    class Django:
        model = Project
        auto_refresh = False
        ignore_signals = True

    copies = {"client": Copied("client", Client, ("name",))}

    def get_queryset(self):
        return Project.objects.select_related("client").prefetch_related("teams")

    def prepare_team_ids(self, project):
        return [team.pk for team in project.teams.all()]


@registry.register_document
class TaskDocument(PreparedDocument):
    id = fields.IntegerField()
    name = text_field()
    project = fields.ObjectField(properties=project_properties())
    archived = fields.BooleanField()

    class Index:
        name = index_name("tasks")
        settings = INDEX_SETTINGS

    class Django:
        model = Task
        auto_refresh = False
        ignore_signals = True

    copies = {"project": Copied("project", Project, ("name", "code"))}

    def get_queryset(self):
        return Task.objects.select_related("project")


@registry.register_document
class UserDocument(PreparedDocument):
    """Name, e-mail, team and role only: never the password hash or any token."""

    id = fields.IntegerField()
    name = text_field()
    email = fields.TextField(analyzer="simple", fields={"raw": fields.KeywordField()})
    team = fields.ObjectField(properties={"id": fields.IntegerField(), "name": text_field()})
    role = fields.KeywordField()
    is_active = fields.BooleanField()

    class Index:
        name = index_name("users")
        settings = INDEX_SETTINGS

    class Django:
        model = User
        auto_refresh = False
        ignore_signals = True

    copies = {"team": Copied("team", Team, ("name",))}

    def get_queryset(self):
        return User.objects.select_related("team")

    def prepare_name(self, user):
        return user.get_full_name() or user.email


@registry.register_document
class LeaveRequestDocument(PreparedDocument):
    id = fields.IntegerField()
    reason = text_field()
    leave_type = fields.ObjectField(properties={"id": fields.IntegerField(), "name": text_field()})
    user = fields.ObjectField(properties={"id": fields.IntegerField(), "name": text_field()})
    start_date = fields.DateField()
    end_date = fields.DateField()
    status = fields.KeywordField()

    class Index:
        name = index_name("leave-requests")
        settings = INDEX_SETTINGS

    class Django:
        model = LeaveRequest
        auto_refresh = False
        ignore_signals = True

    copies = {
        # A snapshot: renaming a leave type does not (yet) reindex its requests.
        "leave_type": Copied("leave_type", LeaveType, ("name",), follow=False),
        "user": Copied("user", User, USER_NAME_FIELDS, _user_ref),
    }

    def get_queryset(self):
        return LeaveRequest.objects.select_related("user", "leave_type")


@registry.register_document
class AuditEventDocument(PreparedDocument):
    """Searched by admins only (see `search.backends`)."""

    id = fields.IntegerField()
    action = fields.KeywordField(fields={"text": fields.TextField(analyzer=text_en)})
    target_type = fields.KeywordField()
    target_repr = text_field()
    actor = fields.ObjectField(properties={"id": fields.IntegerField(), "name": text_field()})
    subject = fields.ObjectField(properties={"id": fields.IntegerField(), "name": text_field()})
    created_at = fields.DateField()

    class Index:
        name = index_name("audit-events")
        settings = INDEX_SETTINGS

    class Django:
        model = AuditEvent
        auto_refresh = False
        ignore_signals = True

    # Snapshots: an event keeps the names it was indexed with.
    copies = {
        "actor": Copied("actor", User, USER_NAME_FIELDS, _user_ref, missing=_actor_label, follow=False),
        "subject": Copied("subject", User, USER_NAME_FIELDS, _user_ref, follow=False),
    }

    def get_queryset(self):
        return AuditEvent.objects.select_related("actor", "subject")


# model label → (result type, document class): the one table indexing and search share.
DOCUMENTS = {
    "timeentries.timeentry": ("time_entry", TimeEntryDocument),
    "timeentries.project": ("project", ProjectDocument),
    "timeentries.task": ("task", TaskDocument),
    "users.user": ("user", UserDocument),
    "leave.leaverequest": ("leave_request", LeaveRequestDocument),
    "core.auditevent": ("audit_event", AuditEventDocument),
}
DOCUMENT_OF_TYPE = dict(DOCUMENTS.values())
