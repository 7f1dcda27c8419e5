"""The Example Connector's launch-token verifier against tokens the marketplace really
signs (its services and its JWKS): a good token passes; a wrong audience, an expired
token, an unknown key, a tampered signature, another issuer and a replay are refused."""

import base64
import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from apps.accounts.actors import actor_for_user
from apps.catalog.models import VersionStatus
from apps.embedding.selectors import jwks, placement_get_for
from apps.embedding.services import launch_token_issue, signing_key_rotate
from examples.connector.config import Config
from examples.connector.embedded import embed_page, whoami
from examples.connector.launch import LaunchRefused, LaunchVerifier
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation

pytestmark = pytest.mark.django_db

ISSUER = "http://127.0.0.1:8000"


@pytest.fixture
def installation(account, admin, developer):
    app = make_app(account=account, type="private", user=developer)
    version = make_version(app=app, status=VersionStatus.PUBLISHED)
    return make_installation(account=account, version=version, by_user=admin)


def _config(tmp_path, client_id, marketplace=ISSUER):
    return Config(
        marketplace_url=marketplace,
        client_id=client_id,
        client_secret="secret-abcdefghijkl",
        host="localhost",
        port=8001,
        public_url="http://localhost:8001",
        token_file=tmp_path / "tokens.json",
    )


def _issue(installation, admin, *, now=None, issuer=ISSUER):
    actor = actor_for_user(user=admin, membership=admin.memberships.get())
    placement = placement_get_for(
        actor=actor,
        installation_id=installation.pk,
        embedding_id="menu",
        host_origin="http://127.0.0.1:8000",
    )
    return launch_token_issue(actor=actor, placement=placement, issuer=issuer, now=now).token


@pytest.fixture
def verifier(tmp_path, installation):
    fetches = []

    def fetch():
        fetches.append(1)
        return jwks()

    verifier = LaunchVerifier(
        _config(tmp_path, installation.app.oauth_application.client_id), fetch_jwks=fetch
    )
    verifier.fetches = fetches
    return verifier


def test_a_token_the_marketplace_signed_for_us_is_accepted(verifier, installation, admin):
    launch = verifier.verify(_issue(installation, admin))
    assert launch.user_id == str(admin.pk)
    assert launch.account == "acme" and launch.installation == installation.pk
    assert launch.location == "main_menu" and launch.embedding_id == "menu"
    assert launch.access == ("crm.accounts:read", "fin.invoices:full")


def test_another_apps_token_is_refused(tmp_path, installation, admin):
    other = LaunchVerifier(_config(tmp_path, "another-client"), fetch_jwks=jwks)
    with pytest.raises(LaunchRefused, match="aud"):
        other.verify(_issue(installation, admin))


def test_an_expired_token_is_refused(verifier, installation, admin):
    token = _issue(installation, admin, now=timezone.now() - timedelta(minutes=10))
    with pytest.raises(LaunchRefused, match="expired"):
        verifier.verify(token)


def test_a_token_of_an_unknown_key_is_refused(verifier, installation, admin):
    real = jwt.decode(_issue(installation, admin), KeySet.import_key_set(jwks())).claims
    stranger = ECKey.generate_key("P-256", private=True)
    forged = jwt.encode({"alg": "ES256", "kid": stranger.thumbprint()}, real, stranger)
    with pytest.raises(LaunchRefused, match="does not publish"):
        verifier.verify(forged)


def test_a_tampered_token_is_refused(verifier, installation, admin, member):
    header, payload, signature = _issue(installation, admin).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = str(member.pk)
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(LaunchRefused, match="signature"):
        verifier.verify(f"{header}.{forged_payload}.{signature}")
    with pytest.raises(LaunchRefused):
        verifier.verify(f"{header}.{payload}.{signature[:-4]}AAAA")


def test_another_issuer_is_refused(verifier, installation, admin):
    with pytest.raises(LaunchRefused, match="iss"):
        verifier.verify(_issue(installation, admin, issuer="https://evil.example"))


def test_a_new_key_after_rotation_is_fetched_once(verifier, installation, admin):
    verifier.verify(_issue(installation, admin))
    assert len(verifier.fetches) == 1
    signing_key_rotate()
    verifier._fetched_at = time.time() - 60  # the last fetch is older than REFETCH_AFTER
    verifier.verify(_issue(installation, admin))
    assert len(verifier.fetches) == 2


def test_the_backend_answers_a_token_once(verifier, installation, admin):
    token = _issue(installation, admin)
    status, body = whoami(verifier, f"Bearer {token}")
    assert status == 200 and body["user"] == str(admin.pk)
    status, body = whoami(verifier, f"Bearer {token}")
    assert status == 401 and "used before" in body["error"]
    assert whoami(verifier, "")[0] == 401


def test_the_page_trusts_nothing_without_a_verified_token(tmp_path, verifier, installation, admin):
    config = _config(tmp_path, "x")
    status, _, content = embed_page(config, verifier, {"app": "x", "domain": "evil"}, "")
    assert status == 403 and "Launch token refused" in content and "evil" not in content
    token = _issue(installation, admin)
    status, _, content = embed_page(config, verifier, {"launch_token": token, "lang": "en"}, "")
    assert status == 200 and f"user <code>{admin.pk}</code>" in content
    assert token not in content
