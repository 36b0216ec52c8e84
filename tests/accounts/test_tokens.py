from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from yiwang.accounts.models import ApiToken
from yiwang.accounts.services import create_token, revoke_token

pytestmark = pytest.mark.django_db


def _me(client: Client, secret: str) -> int:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code


def test_a_token_authenticates_until_revoked(client: Client, make_user) -> None:
    user = make_user("alice")
    token, secret = create_token(user, actor=None, name="ci")
    assert _me(client, secret) == 200
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json()["username"]
        == "alice"
    )
    revoke_token(token, actor=None)
    assert _me(client, secret) == 401


def test_only_a_digest_is_stored(make_user) -> None:
    token, secret = create_token(make_user("bob"), actor=None)
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret not in (stored.digest, stored.prefix)
    assert secret.startswith(f"yw_{stored.prefix}_")


def test_expired_and_forged_tokens_are_refused(client: Client, make_user) -> None:
    token, secret = create_token(make_user("carol"), actor=None)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _me(client, secret) == 401
    assert _me(client, secret[:-2] + "xx") == 401
    assert _me(client, "not-a-token") == 401


def test_token_command_prints_the_token_last(make_user) -> None:
    make_user("dave")
    out, err = StringIO(), StringIO()
    call_command("token", "create", "dave", stdout=out, stderr=err)
    secret = out.getvalue().strip().splitlines()[-1]
    assert secret.startswith("yw_")
    assert (
        Client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    )

    with pytest.raises(CommandError, match="No user named"):
        call_command("token", "create", "nobody", stdout=StringIO(), stderr=StringIO())


def test_users_manage_their_own_tokens_over_the_api(client: Client, make_user) -> None:
    client.force_login(make_user("erin"))
    created = client.post("/api/v1/me/tokens", {"name": "x"}, content_type="application/json")
    assert created.status_code == 201
    prefix = created.json()["prefix"]
    listed = client.get("/api/v1/me/tokens").json()
    assert [t["prefix"] for t in listed] == [prefix]
    assert "token" not in listed[0]
    assert client.delete(f"/api/v1/me/tokens/{prefix}").status_code == 204
    assert client.get("/api/v1/me/tokens").json()[0]["revoked"] is True
