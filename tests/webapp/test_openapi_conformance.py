"""The OpenAPI document matches every response: Schemathesis fuzzes each operation (bounded).

Each operation gets a few generated requests, signed in as an admin (who may call all of them),
and each response is checked against the document: no server error, a declared status code,
content type and headers, a body of the declared shape. Derandomized, so a failure repeats.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from tests.webapp.conftest import sign_in

#: Generated requests per operation: enough to meet each status an operation declares, bounded
#: so the whole module stays within seconds.
EXAMPLES_PER_OPERATION = 12
USER_AGENT = "conformance-test"
#: The client always carries the admin's session, so a request "without" it is not one: who may
#: call what is the permission matrix's test (test_permissions.py), not this one's.
NOT_CHECKED_HERE = [checks.ignored_auth, checks.negative_data_rejection]


@pytest.fixture(scope="module")
def admin_credentials(app):
    """A test client signed in as an admin, and the header carrying its CSRF token."""
    client = app.test_client()
    # Sessions are bound to the browser that signed in: sign in as Schemathesis will call.
    client.environ_base["HTTP_USER_AGENT"] = USER_AGENT
    sign_in(client, "admin")
    token = client.get("/api/v1/session").get_json()["csrf_token"]
    return client, {"X-CSRFToken": token, "User-Agent": USER_AGENT}


def test_every_response_matches_the_openapi_document(app, admin_credentials):
    admin_client, csrf_header = admin_credentials
    api_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: dict[str, str] = {}
    statuses: dict[str, set[int]] = {}  # what each operation answered
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 19  # the whole API, not an empty document

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
                  database=None, suppress_health_check=list(HealthCheck))
        def check(case):
            # A generated "session" cookie (the document's security scheme) would replace the
            # admin's, and Schemathesis deletes the cookies it set after each call.
            case.cookies = {name: value for name, value in (case.cookies or {}).items()
                            if name != "session"}
            response = case.call_and_validate(session=admin_client, headers=csrf_header,
                                              excluded_checks=NOT_CHECKED_HERE)
            statuses.setdefault(case.operation.label, set()).add(response.status_code)

        try:
            check()
        except (Exception, BaseExceptionGroup) as failure:  # each operation's failure is reported
            failures[operation.label] = str(failure)[:1500]
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
    # Signed in as an admin, the generated requests get past the door: the lists answer 200.
    for listing in ("GET /api/v1/session", "GET /api/v1/people", "GET /api/v1/rounds",
                    "GET /api/v1/matches"):
        assert 200 in statuses[listing], (listing, statuses[listing])
