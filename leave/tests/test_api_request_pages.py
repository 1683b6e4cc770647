"""The leave-request list by cursor, in the list's order, scoped like every page."""

import pytest

from leave.tests.helpers import ask

REQUESTS = "/api/v1/leave/requests"


@pytest.mark.django_db
def test_a_manager_walks_their_peoples_requests_by_cursor_newest_first(api, funded, bob, dave, vacation, sick):
    mine = [
        ask(funded, vacation, day) for day in ("2026-03-09", "2026-03-10", "2026-03-11", "2026-04-07", "2026-04-08")
    ]
    mine.append(ask(funded, sick, "2026-03-05"))  # written last, yet in its place by date
    ask(dave, sick, "2026-03-12")
    client = api(bob)

    ids, url = [], f"{REQUESTS}?cursor=&page_size=2"
    while url:
        body = client.get(url).json()
        assert "count" not in body
        ids += [row["id"] for row in body["results"]]
        url = body["next"]

    assert ids == [request.pk for request in sorted(mine, key=lambda r: (r.start_date, r.pk), reverse=True)]
    paged = client.get(REQUESTS).json()
    assert (paged["count"], paged["count_is_estimate"]) == (6, False)
    assert [row["id"] for row in paged["results"]] == ids
