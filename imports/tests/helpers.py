"""Driving imports through the API as a client does: upload, then read the import back."""

from django.core.files.uploadedfile import SimpleUploadedFile

IMPORTS = "/api/v1/imports"
ENTRY_HEADER = "email,project,task,start,end,day,duration,break_minutes,description"


def csv_file(*lines: str, name: str = "import.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode(), content_type="text/csv")


def upload(client, capture, kind: str, *lines: str, dry_run: bool = True, time_zone: str = "", name="import.csv"):
    """POST the file (the task runs on commit, eagerly) and answer (response, import as now)."""
    body = {"file": csv_file(*lines, name=name), "kind": kind, "dry_run": dry_run, "time_zone": time_zone}
    with capture(execute=True):
        response = client.post(IMPORTS, body, format="multipart")
    if response.status_code != 202:
        return response, None
    return response, client.get(f"{IMPORTS}/{response.json()['id']}").json()


def commit(client, capture, import_id: int):
    with capture(execute=True):
        response = client.post(f"{IMPORTS}/{import_id}/commit")
    return response, client.get(f"{IMPORTS}/{import_id}").json()


def revert(client, capture, import_id: int):
    with capture(execute=True):
        return client.post(f"{IMPORTS}/{import_id}/revert")
