"""The pure plan of a settings save: every problem by key, or what to write, remove and
upload."""

from apps.catalog.manifests.types import Setting
from apps.installations.settings_plan import Upload, settings_plan

SETTINGS = (
    Setting(key="name", level="app", type="string", label="Name", required=True),
    Setting(key="token", level="app", type="secret", label="Token", required=True),
    Setting(key="note", level="app", type="text", label="Note"),
    Setting(key="hook", level="app", type="secret", label="Hook secret"),
    Setting(key="logo", level="app", type="file", label="Logo"),
    Setting(key="contract", level="app", type="file", label="Contract", required=True),
    Setting(key="colour", level="user", type="string", label="Colour"),
)


def plan(values=None, uploads=None, clear=(), stored=("name", "token", "contract")):
    return settings_plan(
        settings=SETTINGS,
        level="app",
        values=values or {},
        uploads=uploads or {},
        clear=clear,
        stored=stored,
    )


def test_a_valid_save_says_what_to_write_remove_and_upload():
    result = plan(
        values={"name": " Acme ", "token": "", "note": ""},
        uploads={"logo": Upload(name="logo.png", size=10)},
        clear=["logo", "hook"],
    )

    assert result.errors == {}
    assert {k: (v.value, v.secret, v.clear) for k, v in result.values.items()} == {
        "name": ("Acme", None, False),
        "note": (None, None, True),
    }
    # A new upload wins over clearing the same key; an empty secret keeps the stored one.
    assert result.removals == ("hook",)
    assert result.uploads == ("logo",)


def test_every_problem_is_reported_at_once_by_key():
    result = plan(
        values={"colour": "red", "logo": "x", "name": "", "token": "s3cret"},
        uploads={"note": Upload(name="a.txt", size=1), "logo": Upload(name="a.exe", size=1)},
        clear=["name", "token", "contract"],
        stored=("token", "contract"),
    )

    assert set(result.errors) == {"colour", "logo", "name", "note", "token", "contract"}
    assert result.errors["colour"] == ["The app has no app-level setting “colour”."]
    assert result.errors["logo"][0] == "Upload a file for this setting."
    assert result.errors["note"] == ["This setting does not take a file."]
    assert result.errors["token"] == ["Enter a new secret or remove it, not both."]
    assert result.errors["contract"] == ["This setting is required; upload another file."]
    assert (result.values, result.removals, result.uploads) == ({}, (), ())


def test_required_settings_with_nothing_stored_must_come_with_the_save():
    result = plan(values={"note": "hi"}, stored=())

    assert result.errors == {
        "name": ["This setting is required."],
        "token": ["This setting is required."],
        "contract": ["This setting is required; upload a file."],
    }


def test_an_empty_required_secret_with_nothing_stored_is_refused():
    result = plan(values={"token": ""}, stored=("name", "contract"))

    assert result.errors == {"token": ["This setting is required."]}
