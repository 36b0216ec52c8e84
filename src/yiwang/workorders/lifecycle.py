"""The work-order state machine as data: which action may be taken from which states, by which
roles, with which fields, and where it leads.

``ACTIONS`` is the whole table; ``services._apply`` enforces it and the tests enumerate it
(state × action × role). An action whose ``to_state`` is None is an event on the timeline that
leaves the state alone (urge, supervise, add a unit, note, extension decisions).

Roles say *who* may act; ``services`` also checks *where*: a dispatcher acts for the order's
current center or a center above it, a department role for the lead department (or a city
department for its county branch), a grid worker in their grids.
"""

from __future__ import annotations

from dataclasses import dataclass

from yiwang.org.choices import Role
from yiwang.workorders.choices import EventKind, State

DISPATCHERS = frozenset({Role.CITY_DISPATCHER, Role.COUNTY_DISPATCHER, Role.TOWN_DISPATCHER})
DEPARTMENT = frozenset({Role.DEPT_HANDLER, Role.DEPT_LIAISON})
HOTLINE = frozenset({Role.HOTLINE_AGENT})
LEADER = frozenset({Role.LEADER})
GRID = frozenset({Role.GRID_WORKER})

ALL_STATES = frozenset(State.values)
# States in which the order is still being worked on (events such as urge apply).
OPEN_STATES = frozenset(
    {
        State.DISPATCHED,
        State.ACKNOWLEDGED,
        State.IN_PROGRESS,
        State.REPLIED,
        State.VERIFYING,
        State.CALLBACK,
        State.RETURNED,
        State.DISPUTED,
    }
)
WORKING = frozenset({State.ACKNOWLEDGED, State.IN_PROGRESS})
# A whistle can be blown while the order is at the center or being worked on.
WHISTLE_STATES = OPEN_STATES | {State.RECEIVED}


@dataclass(frozen=True)
class Action:
    """One row of the table."""

    name: str
    event: EventKind
    from_states: frozenset[str]
    to_state: State | None
    roles: frozenset[str]
    required: tuple[str, ...] = ()

    def allows(self, state: str, role: str) -> bool:
        return state in self.from_states and role in self.roles


def _action(
    name: str,
    event: EventKind,
    from_states: frozenset[str] | set[str],
    to_state: State | None,
    roles: frozenset[str] | set[str],
    required: tuple[str, ...] = (),
) -> Action:
    return Action(name, event, frozenset(from_states), to_state, frozenset(roles), required)


S = State
E = EventKind
ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        # pre-review at the center
        _action("classify", E.CLASSIFIED, {S.RECEIVED}, None, DISPATCHERS | HOTLINE, ("category",)),
        _action("dispatch", E.DISPATCHED, {S.RECEIVED}, S.DISPATCHED, DISPATCHERS),
        _action(
            "direct_answer",
            E.DIRECT_ANSWERED,
            {S.RECEIVED},
            S.CLOSED,
            HOTLINE | DISPATCHERS,
            ("reply",),
        ),
        _action(
            "invalidate",
            E.INVALIDATED,
            {S.RECEIVED},
            S.INVALID,
            HOTLINE | DISPATCHERS,
            ("reason",),
        ),
        _action(
            "transfer",
            E.TRANSFERRED,
            {S.RECEIVED},
            S.TRANSFERRED,
            HOTLINE | DISPATCHERS,
            ("line",),
        ),
        _action("merge", E.MERGED, {S.RECEIVED}, S.MERGED, HOTLINE | DISPATCHERS, ("parent",)),
        _action(
            "escalate",
            E.ESCALATED,
            {S.RECEIVED, S.RETURNED},
            S.RECEIVED,
            DISPATCHERS - {Role.CITY_DISPATCHER},
            ("reason",),
        ),
        # the unit's work
        _action("acknowledge", E.ACKNOWLEDGED, {S.DISPATCHED}, S.ACKNOWLEDGED, DEPARTMENT),
        _action("start", E.STARTED, {S.ACKNOWLEDGED}, S.IN_PROGRESS, DEPARTMENT),
        _action("reply", E.REPLIED, {S.IN_PROGRESS}, S.REPLIED, DEPARTMENT, ("reply",)),
        _action(
            "return",
            E.RETURNED,
            {S.DISPATCHED, S.ACKNOWLEDGED},
            S.RETURNED,
            DEPARTMENT,
            ("reason",),
        ),
        _action(
            "request_extension",
            E.EXTENSION_REQUESTED,
            WORKING,
            None,
            DEPARTMENT,
            ("until", "reason"),
        ),
        # the center's review, verification and callback
        _action("approve", E.APPROVED, {S.REPLIED}, S.CALLBACK, DISPATCHERS),
        _action(
            "reject",
            E.REJECTED,
            {S.REPLIED, S.VERIFYING},
            S.IN_PROGRESS,
            DISPATCHERS,
            ("reason",),
        ),
        _action("verify", E.VERIFIED, {S.VERIFYING}, S.CALLBACK, DISPATCHERS | GRID),
        _action(
            "callback", E.CALLED_BACK, {S.CALLBACK}, S.CLOSED, HOTLINE | DISPATCHERS, ("rating",)
        ),
        _action(
            "reopen",
            E.REOPENED,
            {S.CALLBACK},
            S.DISPATCHED,
            HOTLINE | DISPATCHERS,
            ("rating", "reason"),
        ),
        # returns and disputes
        _action("redispatch", E.REDISPATCHED, {S.RETURNED}, S.DISPATCHED, DISPATCHERS),
        _action("dispute", E.DISPUTED, {S.RETURNED}, S.DISPUTED, DISPATCHERS, ("reason",)),
        _action(
            "rule",
            E.RULED,
            {S.DISPUTED},
            S.DISPATCHED,
            {Role.CITY_DISPATCHER},
            ("department", "reason"),
        ),
        # extensions (events: the requested and granted dates are kept apart)
        _action("grant_extension", E.EXTENSION_GRANTED, WORKING, None, DISPATCHERS),
        _action("deny_extension", E.EXTENSION_DENIED, WORKING, None, DISPATCHERS, ("reason",)),
        _action(
            "shelve",
            E.SHELVED,
            {S.RECEIVED, S.DISPATCHED, *WORKING},
            S.SHELVED,
            DISPATCHERS,
            ("reason",),
        ),
        # 吹哨报到: a town calls a unit to the scene; the unit must answer in time
        _action(
            "whistle",
            E.WHISTLED,
            WHISTLE_STATES,
            None,
            {Role.TOWN_DISPATCHER},
            ("department",),
        ),
        _action("answer_whistle", E.WHISTLE_ANSWERED, WHISTLE_STATES, None, DEPARTMENT),
        # 网格: the grid worker handles a small matter (自办) or sends it up (上报); a self-handled
        # order waits in ``replied`` for the center's check unless its category needs none
        # (the effect then closes it at once); a check that fails sends it back to the center.
        _action("self_handle", E.SELF_HANDLED, {S.RECEIVED}, S.REPLIED, GRID, ("note",)),
        _action("grid_escalate", E.GRID_ESCALATED, {S.RECEIVED}, None, GRID, ("reason",)),
        _action("check_self_handled", E.SELF_HANDLE_CHECKED, {S.REPLIED}, S.CLOSED, DISPATCHERS),
        # events that leave the state alone
        _action("urge", E.URGED, OPEN_STATES, None, DISPATCHERS | LEADER),
        _action("supervise", E.SUPERVISED, OPEN_STATES, None, DISPATCHERS | LEADER, ("note",)),
        _action(
            "add_unit", E.UNIT_ADDED, {S.DISPATCHED, *WORKING}, None, DISPATCHERS, ("department",)
        ),
        _action(
            "note",
            E.NOTED,
            ALL_STATES,
            None,
            DISPATCHERS | DEPARTMENT | HOTLINE | GRID | LEADER,
            ("note",),
        ),
    ]
}


def get_action(name: str) -> Action | None:
    return ACTIONS.get(name)


def allowed_actions(state: str, roles: frozenset[str] | set[str] | None = None) -> list[str]:
    """The actions possible from ``state`` (for any of ``roles``, when given), in table order."""
    return [
        a.name
        for a in ACTIONS.values()
        if state in a.from_states and (roles is None or a.roles & set(roles))
    ]
