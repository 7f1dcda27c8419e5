from django.http import HttpRequest


def console(request: HttpRequest) -> dict[str, object]:
    return {"current_membership": getattr(request, "membership", None)}
