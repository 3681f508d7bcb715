"""The acting user, passed to every service and selector as ``actor=`` (architecture rule 8).

An ``Actor`` carries what services and the audit need to know about who is acting: the user,
the organisation they act for, the request id and the client address. Build one from a request
with ``Actor.from_request`` or, for management commands and scheduled jobs, ``Actor.system``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied

from joinedup.core.request_meta import client_ip

if TYPE_CHECKING:
    from django.http import HttpRequest


class NotSignedInError(Exception):
    """Raised when an actor is built from a request without a signed-in user. (Two-factor is
    enforced before any staff view runs, by the access rule middleware.)"""


@dataclass(frozen=True)
class Actor:
    user: Any = field(repr=False)
    organisation_id: uuid.UUID | None
    request_id: str
    ip_address: str | None = None
    process: str = ""

    @property
    def user_id(self) -> uuid.UUID | None:
        return getattr(self.user, "pk", None)

    @property
    def org(self) -> uuid.UUID:
        """The id of the organisation the actor acts for. Services that write on behalf of an
        organisation use this; an actor without one (a system admin, a command) is refused."""
        if self.organisation_id is None:
            raise PermissionDenied("This needs a member of staff of a partner organisation.")
        return self.organisation_id

    @property
    def is_system(self) -> bool:
        """True for work done by the system itself (a command or a scheduled job)."""
        return self.user is None

    @classmethod
    def from_request(cls, request: HttpRequest) -> Actor:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            raise NotSignedInError("There is no signed-in user on this request.")
        return cls(
            user=user,
            organisation_id=getattr(user, "organisation_id", None),
            request_id=getattr(request, "request_id", "") or uuid.uuid4().hex,
            ip_address=client_ip(request),
        )

    @classmethod
    def anonymous(cls, request: HttpRequest, *, process: str) -> Actor:
        """A member of the public using a public form (no user), with the request's id and
        address for the audit record."""
        return cls(
            user=None,
            organisation_id=None,
            request_id=getattr(request, "request_id", "") or uuid.uuid4().hex,
            ip_address=client_ip(request),
            process=process,
        )

    @classmethod
    def for_user(cls, user: Any, *, process: str) -> Actor:
        """An actor for a known user outside a request (a command run on their behalf)."""
        return cls(
            user=user,
            organisation_id=getattr(user, "organisation_id", None),
            request_id=uuid.uuid4().hex,
            process=process,
        )

    @classmethod
    def system(cls, *, process: str) -> Actor:
        """The system acting on its own, e.g. ``disable_inactive_accounts`` run by cron."""
        return cls(user=None, organisation_id=None, request_id=uuid.uuid4().hex, process=process)
