from django.apps import AppConfig


class ModulesConfig(AppConfig):
    name = "apps.modules"
    label = "modules"
    verbose_name = "Product modules"
