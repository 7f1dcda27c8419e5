"""Change events of account users (``users.user``): the modules context's sink for the
member changes the accounts context reports (``apps.accounts.member_changes``),
registered at start-up. Each member added, changed or removed becomes one event in the
transaction of the change, with the member as the users API serializes them."""

from __future__ import annotations

from collections.abc import Sequence

from apps.accounts.actors import Actor
from apps.accounts.member_changes import MemberChange
from apps.accounts.models import Membership
from apps.modules.events import EventOf, events_write

USERS_MODEL = "users.user"


class MemberEvents:
    """Writes a ``users.user`` change event for each member of a change: the record id
    is the user's id (the users API's ``id``), the data the users API's body."""

    def members_changed(
        self,
        *,
        memberships: Sequence[Membership],
        change: MemberChange,
        actor: Actor,
        changed: Sequence[str],
    ) -> None:
        from apps.modules.api.users import UserOutput

        events_write(
            [
                EventOf(
                    account_id=membership.account_id,
                    model=USERS_MODEL,
                    action=str(change),
                    record_id=membership.user_id,
                    data=dict(UserOutput(membership).data),
                    changed=tuple(changed) if change != MemberChange.REMOVED else (),
                )
                for membership in memberships
            ],
            actor=actor,
        )
