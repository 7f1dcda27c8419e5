from apps.embedding.policies import (
    LAUNCH_TOKEN_MAX_SECONDS,
    effective_access,
    launch_claims,
    launch_language,
    origin_of,
)


def test_effective_access_is_the_grant_cut_to_the_users_rights():
    granted = ["crm.accounts:full", "fin.invoices:full", "task:read", "user.me:read"]
    rights = {"crm": "read", "fin": "none", "task": "full"}
    assert effective_access(granted, rights=rights) == [
        "crm.accounts:read",
        "task:read",
        "user.me:read",
    ]


def test_an_admins_access_is_the_whole_grant():
    granted = ["crm:full", "fin.invoices:read"]
    rights = {"crm": "full", "fin": "full"}
    assert effective_access(granted, rights=rights) == ["crm:full", "fin.invoices:read"]


def test_no_rights_no_access():
    assert effective_access(["crm:full"], rights={}) == []


def test_language_falls_back_to_the_accounts():
    assert launch_language(user_language=None, account_language="pt") == "pt"
    assert launch_language(user_language="es", account_language="pt") == "es"


def test_origin_of():
    assert origin_of("https://App.example.com:8443/embed?x=1") == "https://app.example.com:8443"
    assert origin_of("http://localhost:8001/embed") == "http://localhost:8001"
    assert origin_of("javascript:alert(1)") == ""


def test_expiry_never_beyond_five_minutes():
    claims = launch_claims(
        issuer="https://mk.test",
        client_id="cid",
        user_id=3,
        account="acme",
        installation_id=9,
        app_code="c0de",
        version="1.0.0",
        location="main_menu",
        embedding_id="menu",
        record=None,
        lang="en",
        access=[],
        issued_at=1000,
        lifetime=3600,
        jti="j",
    )
    assert claims["exp"] - claims["iat"] == LAUNCH_TOKEN_MAX_SECONDS
    assert claims["aud"] == "cid" and claims["sub"] == "3"


def test_a_record_cards_model_comes_from_the_location_catalog():
    from apps.embedding.policies import card_model

    assert card_model("crm.account.card") == "crm.account"
    assert card_model("crm.deal.card") == "crm.leads"
    assert card_model("main_menu") is None
    assert card_model("no.such.card") is None


def test_reading_a_model_takes_any_scope_covering_it():
    from apps.embedding.policies import reads_model

    assert reads_model(["crm.accounts:read"], "crm.account")
    assert reads_model(["crm:full"], "crm.contact")
    assert not reads_model(["crm.contacts:read"], "crm.account")
    assert not reads_model([], "crm.account")


def test_the_record_of_the_launch_context_parses_or_is_refused():
    from apps.embedding.policies import parse_record

    assert parse_record("crm.account:42") == ("crm.account", 42)
    for bad in ("", "crm.account", "crm.account:", ":4", "crm.account:-1", "crm.account:0", "a:x"):
        assert parse_record(bad) is None, bad
