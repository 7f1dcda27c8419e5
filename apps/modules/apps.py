from django.apps import AppConfig


class ModulesConfig(AppConfig):
    name = "apps.modules"
    label = "modules"
    verbose_name = "Product modules"

    def ready(self) -> None:
        from apps.modules import checks  # noqa: F401  (registers the system check)
        from apps.modules.registry.builtin_work import register_builtin

        register_builtin()

        from apps.installations.references import reference_resolver_set
        from apps.modules.selectors import records_existing

        reference_resolver_set(records_existing)

        from apps.accounts.member_changes import member_change_sink_register
        from apps.modules.members import MemberEvents

        member_change_sink_register(MemberEvents())
