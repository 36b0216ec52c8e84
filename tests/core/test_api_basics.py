import pytest
from django.test import Client, override_settings

from yiwang.core.models import AuditRecord

pytestmark = pytest.mark.django_db


def test_health_answers_without_an_account(client: Client) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_errors_share_one_shape(client: Client) -> None:
    unauthenticated = client.get("/api/v1/me")
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["error"]["code"] == "unauthenticated"

    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_bad_input_names_the_field(client: Client, make_user) -> None:
    client.force_login(make_user("u1"))
    response = client.get("/api/v1/people?limit=lots")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"][0]["field"] == "limit"


@override_settings(RATE_LIMIT_ANONYMOUS="3/m")
def test_anonymous_clients_are_rate_limited(client: Client) -> None:
    codes = [client.get("/api/v1/health").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/api/v1/health")
    assert limited.json()["error"]["code"] == "rate_limited"
    assert limited["Retry-After"] == "60"


def test_security_headers_are_set(client: Client) -> None:
    response = client.get("/api/v1/health")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_audit_records_carry_request_id_and_client_address(client: Client, make_user) -> None:
    user = make_user("u2")
    client.force_login(user)
    response = client.post(
        "/api/v1/me/tokens",
        {"name": "laptop"},
        content_type="application/json",
        headers={"X-Request-ID": "req-abc-123"},
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 201
    assert response["X-Request-ID"] == "req-abc-123"
    record = AuditRecord.objects.get(action="accounts.token_created")
    assert record.request_id == "req-abc-123"
    assert record.client_address == "10.1.2.3"
    assert record.actor_username == "u2"
