import pytest

from apps.catalog.models import VersionStatus
from tests.factories.catalog import make_app, make_version
from tests.factories.installations import make_installation


@pytest.fixture
def installation(account, admin, developer):
    """Invoicer (crm.accounts:read, fin.invoices:full; a main-menu page) on Acme."""
    app = make_app(account=account, type="private", user=developer)
    version = make_version(app=app, status=VersionStatus.PUBLISHED)
    return make_installation(account=account, version=version, by_user=admin)
