"""When an installation "needs setup", computed once: the pure rule
(``settings_needing_setup``) and the selector that reads the stored values for any number
of installations in one query."""

import pytest

from apps.catalog.manifests.types import Setting
from apps.installations.models import InstallationStatus, SettingValue
from apps.installations.policies import settings_needing_setup
from apps.installations.selectors import (
    installation_setup_missing,
    installation_setup_missing_for,
)
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation


def setting(key: str, **kw) -> Setting:
    kw.setdefault("level", "app")
    kw.setdefault("type", "string")
    return Setting(key=key, label=key.title(), **kw)


class TestRule:
    def test_only_required_app_level_settings_without_default_or_value(self):
        settings = [
            setting("workspace", required=True),
            setting("token", type="secret", required=True),
            setting("letterhead", type="file", required=True),
            setting("region", required=True, default="eu"),
            setting("notes"),
            setting("signature", level="user", required=True),
        ]

        missing = settings_needing_setup(settings, set_keys={"token"})

        assert [s.key for s in missing] == ["workspace", "letterhead"]

    def test_nothing_missing_once_every_one_has_a_value(self):
        settings = [setting("workspace", required=True), setting("notes")]
        assert settings_needing_setup(settings, set_keys={"workspace"}) == ()

    def test_a_false_or_zero_default_is_a_value(self):
        settings = [
            setting("enabled", type="boolean", required=True, default=False),
            setting("days", type="number", required=True, default=0),
        ]
        assert settings_needing_setup(settings, set_keys=()) == ()


SETTINGS = [
    {"key": "workspace", "level": "app", "type": "string", "label": "Workspace", "required": True},
    {"key": "notes", "level": "app", "type": "text", "label": "Notes"},
]


@pytest.mark.django_db
class TestSelector:
    @pytest.fixture
    def installations(self, account, admin, other_account):
        app = make_app(account=other_account, name="Needy")
        needy = make_version(app=app, status="published", settings=SETTINGS)
        quiet = make_version(app=make_app(account=other_account, name="Quiet"), status="published")
        return [
            make_installation(account=account, version=needy, by_user=admin),
            make_installation(account=account, version=quiet, by_user=admin),
        ]

    def test_missing_until_filled(self, installations):
        needy, quiet = installations
        assert [s.key for s in installation_setup_missing(installation=needy)] == ["workspace"]
        assert installation_setup_missing(installation=quiet) == ()

        SettingValue.objects.create(installation=needy, key="workspace", value="w")

        assert installation_setup_missing(installation=needy) == ()

    def test_another_users_or_a_user_level_value_does_not_count(self, installations, admin):
        needy, _quiet = installations
        SettingValue.objects.create(installation=needy, key="workspace", user=admin, value="w")
        assert installation_setup_missing(installation=needy) != ()

    def test_an_installation_being_uninstalled_needs_nothing(self, installations):
        needy, _quiet = installations
        needy.status = InstallationStatus.UNINSTALLING
        assert installation_setup_missing(installation=needy) == ()

    def test_one_query_for_many_and_none_without_required_settings(
        self, installations, django_assert_num_queries
    ):
        needy, quiet = installations
        with django_assert_num_queries(1):
            result = installation_setup_missing_for(installations=[needy, quiet, needy])
        assert set(result) == {needy.pk}
        with django_assert_num_queries(0):
            assert installation_setup_missing_for(installations=[quiet]) == {}
