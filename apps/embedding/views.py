"""The public key set of launch tokens."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from apps.embedding.selectors import jwks
from apps.embedding.services import signing_key_active


@require_GET
def jwks_view(request: HttpRequest) -> JsonResponse:
    """``/.well-known/jwks.json``: the active key and the retired keys still published.
    Cacheable for a few minutes: a new key signs only after rotation, and a verifier
    meeting an unknown ``kid`` fetches the set again."""
    signing_key_active()  # a fresh install publishes its first key before any launch
    response = JsonResponse(jwks())
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response
