from django.apps import AppConfig


class EmbeddingConfig(AppConfig):
    name = "apps.embedding"
    label = "embedding"
    verbose_name = "Embedding"
    default_auto_field = "django.db.models.BigAutoField"
