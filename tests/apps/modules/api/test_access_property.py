"""A property of the App API: for any declared scopes, any rights of the token user's
role, any registered model and either level, a request is allowed exactly when the
published scope rules and the user's rights allow it.

The oracle below restates the rules independently of ``apps.scopes.policies``: a scope
reaches a model when it is the model's module scope or a narrower scope listing it; of
the same code only the higher level counts; a module scope silences the narrower scopes
of its module whatever the levels; ``full`` includes ``read``.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.modules.registry import registrations
from apps.scopes.catalog import get_catalog
from tests.apps.api.helpers import api_client
from tests.apps.modules.api.matrix import LEVEL_RANK, OPS, fresh

pytestmark = pytest.mark.django_db

CATALOG = get_catalog()
CODES = sorted(c for c in CATALOG.scopes if not CATALOG.scopes[c].self_only)
MODULES = sorted(CATALOG.modules)
REGISTRATIONS = registrations()


def oracle_level(declared: list[tuple[str, str]], model: str) -> int:
    best: dict[str, int] = {}
    for code, level in declared:
        best[code] = max(best.get(code, 0), LEVEL_RANK[level])
    level = 0
    for code, rank in best.items():
        scope = CATALOG.scopes[code]
        if not scope.is_module and scope.module in best:
            continue  # the module scope of the same module decides
        if model in scope.models or (scope.is_module and model.startswith(f"{code}.")):
            level = max(level, rank)
    return level


declared_scopes = st.lists(
    st.tuples(st.sampled_from(CODES), st.sampled_from(["read", "full"])), min_size=1, max_size=5
)
rights_maps = st.dictionaries(
    st.sampled_from(MODULES), st.sampled_from(["none", "read", "full"]), max_size=6
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    declared=declared_scopes,
    rights=rights_maps,
    registration=st.sampled_from(REGISTRATIONS),
    op=st.sampled_from(OPS),
)
def test_the_api_allows_exactly_what_the_scopes_and_rights_allow(
    declared, rights, registration, op, account, admin, install, member_with, token_for
):
    user = member_with(rights)
    installation = install(*{f"{code}:{level}" for code, level in declared})
    client = api_client(key=token_for(installation, user))
    record = fresh(registration, account)

    response = op.call(client, registration, account, record)

    need = LEVEL_RANK[op.need]
    scope_ok = oracle_level(declared, registration.code) >= need
    right_ok = LEVEL_RANK[rights.get(registration.module, "none")] >= need
    if scope_ok and right_ok:
        assert response.status_code == op.status, (declared, rights, response.content)
    else:
        assert response.status_code == 403, (declared, rights, response.content)
        expected = "insufficient_scope" if not scope_ok else "insufficient_rights"
        assert response.json()["error"]["code"] == expected
