"""A full valid manifest that tests copy and break one field at a time.

Every section is used. The settings list holds one setting of each type, in the order of
``SETTING``, so a test can name a setting's path by its type.
"""

from typing import Any

# Index of each setting type in ``valid_manifest()["settings"]``.
SETTING = {
    "string": 0,
    "text": 1,
    "number": 2,
    "boolean": 3,
    "select": 4,
    "secret": 5,
    "file": 6,
    "reference": 7,
}

EFFECTIVE_SCOPES = ["crm.accounts:read", "fin.invoices:full", "users:read"]


def valid_manifest() -> dict[str, Any]:
    """A fresh, valid manifest: mutate it freely.

    Scopes cover everything the rest declares: ``crm.accounts`` the reference setting's
    ``crm.account``, ``fin.invoices`` the webhook event and the invoice card; ``users`` is
    needed by nothing else, so tests may break it without side effects.
    """
    return {
        "manifest_version": 1,
        "version": "2.1.0",
        "authorization": "account",
        "redirect_uris": [
            "https://invoicer.example.com/oauth/callback",
            "http://localhost:8000/oauth/callback",
        ],
        "scopes": [
            {
                "code": "crm.accounts",
                "level": "read",
                "reason": "Shows the customer on each invoice.",
            },
            {"code": "fin.invoices", "level": "full", "reason": "Creates invoices from deals."},
            {"code": "users", "level": "read", "reason": "Shows who issued each invoice."},
        ],
        "webhooks": [
            {
                "id": "invoice-updated",
                "event": "fin.invoices.updated",
                "url": "https://invoicer.example.com/hooks/invoices",
            }
        ],
        "embeddings": [
            {
                "id": "invoice-panel",
                "location": "fin.invoice.card",
                "code": "panel",
                "url": "https://invoicer.example.com/embed/invoice",
                "title": "Invoicer",
            },
            {
                "id": "menu",
                "location": "main_menu",
                "code": "app.home",
                "url": "https://invoicer.example.com/embed/home",
                "title": "Invoicer",
            },
        ],
        "settings": [
            {
                "key": "company_name",
                "level": "app",
                "type": "string",
                "label": "Company name",
                "help": "Printed in the invoice header.",
                "required": True,
                "default": "Acme",
            },
            {"key": "footer", "level": "app", "type": "text", "label": "Footer", "default": ""},
            {"key": "due_days", "level": "app", "type": "number", "label": "Due in", "default": 30},
            {
                "key": "send_copy",
                "level": "user",
                "type": "boolean",
                "label": "Send me a copy",
                "default": False,
            },
            {
                "key": "currency",
                "level": "app",
                "type": "select",
                "label": "Currency",
                "options": [
                    {"value": "eur", "label": "Euro"},
                    {"value": "usd", "label": "US dollar"},
                ],
                "default": "eur",
            },
            {
                "key": "api_token",
                "level": "app",
                "type": "secret",
                "label": "Invoicer API token",
                "required": True,
            },
            {"key": "logo", "level": "app", "type": "file", "label": "Logo"},
            {
                "key": "default_account",
                "level": "app",
                "type": "reference",
                "label": "Default customer",
                "model": "crm.account",
            },
        ],
        "connection_test_url": "https://invoicer.example.com/check",
    }
