"""No N+1 on feedback's lists: the same number of queries with 3 rows as with 12."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from feedback import services
from tests.feedback.conftest import q


def queries(client, url: str, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == 200, url
    return len(captured)


def grow(manager, cs_member, csat, n: int) -> None:
    for i in range(n):
        services.survey_from_template(actor=manager, key="customer_nps")
        response = services.response_submit(
            survey=csat, data={q(csat, 0): [str(1 + i % 5)], q(csat, 2): [f"comment {i}"]}
        )
        services.answer_tag(
            actor=cs_member, answer=response.answers.get(question__kind="long"), name=f"t{i % 4}"
        )


@pytest.mark.parametrize(
    "path",
    [
        "/feedback/",
        "/feedback/{pk}/results/",
        "/feedback/themes/",
        "/api/v1/surveys/",
        "/api/v1/responses/",
    ],
)
def test_feedback_lists_do_not_grow_with_rows(client_for, manager, cs_member, csat, path):
    client = client_for(cs_member)
    url = path.format(pk=csat.pk)
    grow(manager, cs_member, csat, 3)
    few = queries(client, url)
    grow(manager, cs_member, csat, 9)
    assert queries(client, url) == few
