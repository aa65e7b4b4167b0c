"""The declaration and correction lifecycles: four eyes, office scope, roles, audit records."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.office.declarations import (
    Amend,
    Approve,
    AuditKind,
    Correction,
    CorrectionState,
    Declaration,
    DeclarationRefusal,
    Decline,
    EventKind,
    Permission,
    Register,
    Reject,
    Return,
    Role,
    Staff,
    State,
    Withdraw,
    can,
    declare,
    propose_correction,
    step,
    step_correction,
)
from registry.office.errors import NoTransition, Refusal, Refused, Severity

T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
CLERK = Staff("c1", Role.CLERK, "AMM")
CLERK2 = Staff("c2", Role.CLERK, "AMM")
REGISTRAR = Staff("r1", Role.REGISTRAR, "AMM")
REGISTRAR2 = Staff("r2", Role.REGISTRAR, "AMM")
IRBID_REGISTRAR = Staff("r9", Role.REGISTRAR, "IRB")
SUPERVISOR = Staff("s1", Role.SUPERVISOR, None)
ADMIN = Staff("a1", Role.ADMINISTRATOR, None)


def _at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def _declared() -> Declaration:
    d, _ = declare("D-1", EventKind.BIRTH, "AMM", CLERK, T0)
    return d


def _refused(code: DeclarationRefusal, fn: object, *args: object) -> Refused:
    with pytest.raises(Refused) as info:
        fn(*args)  # type: ignore[operator]
    assert info.value.code == code.value
    assert info.value.refusal.ar and info.value.refusal.en
    return info.value


def test_clerk_declares_registrar_registers() -> None:
    d, audit = declare("D-1", EventKind.BIRTH, "AMM", CLERK, T0)
    assert (d.state, d.revision, d.authors) == (State.DECLARED, 1, frozenset({"c1"}))
    assert [a.kind for a in audit] == [AuditKind.DECLARATION_DECLARED]
    assert audit[0].data == {
        "declaration": "D-1",
        "event": "birth",
        "office": "AMM",
        "staff": "c1",
        "role": "clerk",
        "state": "declared",
        "revision": 1,
    }
    done, audit = step(d, Register(REGISTRAR, _at(5)))
    assert done.state is State.REGISTERED
    assert (done.reviewed_by, done.reviewed_at) == ("r1", _at(5))
    assert audit[0].kind is AuditKind.DECLARATION_REGISTERED
    assert audit[0].data["staff"] == "r1" and audit[0].at == _at(5)
    assert d.state is State.DECLARED  # the input is a value, never changed


def test_the_declarer_cannot_register_their_own_declaration() -> None:
    d, _ = declare("D-1", EventKind.DEATH, "AMM", REGISTRAR, T0)  # a registrar may declare
    err = _refused(DeclarationRefusal.OWN_DECLARATION, step, d, Register(REGISTRAR, _at(1)))
    assert "بنفسك" in err.refusal.ar and "yourself" in err.refusal.en
    _refused(DeclarationRefusal.OWN_DECLARATION, step, d, Return(REGISTRAR, _at(1), "x"))
    _refused(DeclarationRefusal.OWN_DECLARATION, step, d, Reject(REGISTRAR, _at(1), "x"))
    assert step(d, Register(REGISTRAR2, _at(1)))[0].state is State.REGISTERED


def test_an_amender_cannot_register_either() -> None:
    d = _declared()
    d, _ = step(d, Return(REGISTRAR, _at(1), "the mother's national number is wrong"))
    d, _ = step(d, Amend(REGISTRAR2, _at(2)))  # the second registrar fixes it...
    assert d.authors == {"c1", "r2"}
    _refused(DeclarationRefusal.OWN_DECLARATION, step, d, Register(REGISTRAR2, _at(3)))
    assert step(d, Register(REGISTRAR, _at(3)))[0].state is State.REGISTERED  # ...the first checks


def test_a_registrar_of_another_office_cannot_register() -> None:
    err = _refused(
        DeclarationRefusal.OTHER_OFFICE, step, _declared(), Register(IRBID_REGISTRAR, _at(1))
    )
    assert "\u2068AMM\u2069" in err.refusal.ar and "office AMM" in err.refusal.en


def test_a_clerk_cannot_declare_at_another_office() -> None:
    _refused(DeclarationRefusal.OTHER_OFFICE, declare, "D-2", EventKind.BIRTH, "IRB", CLERK, T0)


@pytest.mark.parametrize("who", [CLERK2, SUPERVISOR, ADMIN], ids=lambda s: s.role.value)
def test_only_registrars_register(who: Staff) -> None:
    err = _refused(DeclarationRefusal.NOT_PERMITTED, step, _declared(), Register(who, _at(1)))
    assert who.role.ar in err.refusal.ar
    assert err.refusal.en.startswith(("A clerk", "A supervisor", "An administrator"))


def test_disabled_staff_can_do_nothing() -> None:
    gone = Staff("r3", Role.REGISTRAR, "AMM", active=False)
    _refused(DeclarationRefusal.INACTIVE_STAFF, step, _declared(), Register(gone, _at(1)))
    assert not can(gone, Permission.SEARCH, "AMM")


def test_return_amend_register_with_revisions_and_reasons() -> None:
    d = _declared()
    d, audit = step(d, Return(REGISTRAR, _at(1), "  the child's   name is misspelt "))
    assert (d.state, d.reason) == (State.RETURNED, "the child's name is misspelt")
    assert "reason" not in audit[0].data  # free text stays out of the audit log
    d, audit = step(d, Amend(CLERK2, _at(2)))
    assert (d.state, d.revision) == (State.AMENDED, 2)
    assert audit[0].kind is AuditKind.DECLARATION_AMENDED and audit[0].data["revision"] == 2
    d, _ = step(d, Amend(CLERK, _at(3)))
    assert d.revision == 3
    d, _ = step(d, Register(REGISTRAR, _at(4)))
    assert d.state is State.REGISTERED and d.reason is None


def test_return_and_reject_need_a_reason() -> None:
    _refused(DeclarationRefusal.REASON_REQUIRED, step, _declared(), Return(REGISTRAR, _at(1), " "))
    _refused(DeclarationRefusal.REASON_REQUIRED, step, _declared(), Reject(REGISTRAR, _at(1), ""))
    _refused(
        DeclarationRefusal.REASON_REQUIRED, step, _declared(), Reject(REGISTRAR, _at(1), "x" * 501)
    )


def test_rejected_and_registered_are_final() -> None:
    rejected, audit = step(_declared(), Reject(REGISTRAR, _at(1), "declared twice"))
    assert rejected.state is State.REJECTED and audit[0].kind is AuditKind.DECLARATION_REJECTED
    registered, _ = step(_declared(), Register(REGISTRAR, _at(1)))
    for final in (rejected, registered):
        for action in (
            Register(REGISTRAR2, _at(2)),
            Return(REGISTRAR2, _at(2), "x"),
            Amend(CLERK, _at(2)),
            Reject(REGISTRAR2, _at(2), "x"),
        ):
            with pytest.raises(NoTransition) as info:
                step(final, action)
            assert info.value.code == DeclarationRefusal.WRONG_STATE.value


def test_a_returned_declaration_must_be_amended_before_registration() -> None:
    d, _ = step(_declared(), Return(REGISTRAR, _at(1), "wrong date"))
    with pytest.raises(NoTransition) as info:
        step(d, Register(REGISTRAR2, _at(2)))
    assert "معاد للتصحيح" in info.value.refusal.ar
    assert info.value.refusal.en == "Cannot register a declaration: it is returned for amendment."


def test_a_second_registration_of_the_same_declaration_is_refused() -> None:
    d, _ = step(_declared(), Register(REGISTRAR, _at(1)))
    with pytest.raises(NoTransition):
        step(d, Register(REGISTRAR2, _at(1)))


_WARN = Refusal("birth_duplicate", "تنبيه", "possible duplicate", Severity.WARN)
_STOP = Refusal("birth_mother_dead", "الأم متوفاة", "the mother died before", Severity.REFUSE)


def test_refusing_findings_block_registration() -> None:
    err = _refused(
        DeclarationRefusal.FINDINGS_REFUSE,
        step,
        _declared(),
        Register(REGISTRAR, _at(1), findings=(_WARN, _STOP), acknowledged=frozenset({"x"})),
    )
    assert err.refusal.en.endswith("the mother died before")


def test_warnings_must_be_acknowledged_by_code() -> None:
    d = _declared()
    _refused(
        DeclarationRefusal.WARNINGS_UNACKNOWLEDGED,
        step,
        d,
        Register(REGISTRAR, _at(1), findings=(_WARN,)),
    )
    done, audit = step(
        d,
        Register(REGISTRAR, _at(1), findings=(_WARN,), acknowledged=frozenset({"birth_duplicate"})),
    )
    assert done.acknowledged == {"birth_duplicate"}
    assert audit[0].data["acknowledged"] == ["birth_duplicate"]


def test_times_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        declare("D", EventKind.BIRTH, "AMM", CLERK, dt.datetime(2026, 1, 1))


def test_office_bound_roles_need_an_office() -> None:
    with pytest.raises(ValueError, match="one office"):
        Staff("c", Role.CLERK, None)


def test_permissions_table() -> None:
    assert can(CLERK, Permission.DECLARE, "AMM") and not can(CLERK, Permission.DECLARE, "IRB")
    assert not can(CLERK, Permission.REVIEW, "AMM")
    assert can(REGISTRAR, Permission.REVIEW, "AMM") and can(
        REGISTRAR, Permission.ENROL_CITIZEN, "AMM"
    )
    assert can(SUPERVISOR, Permission.SEARCH, "IRB") and can(SUPERVISOR, Permission.READ_AUDIT)
    assert not can(SUPERVISOR, Permission.DECLARE, "AMM")
    assert can(ADMIN, Permission.ADMINISTER) and not can(ADMIN, Permission.REVIEW, "AMM")
    assert not can(CLERK, Permission.ADMINISTER)


# --- corrections -----------------------------------------------------------------------------


def _proposed() -> Correction:
    c, _ = propose_correction(
        "C-1",
        "person:9871234560",
        "AMM",
        REGISTRAR,
        T0,
        reason="mother's name misspelt",
        evidence="court ruling 2026/117",
    )
    return c


def test_correction_is_proposed_and_approved_by_another_registrar() -> None:
    c, audit = propose_correction(
        "C-1",
        "person:9871234560",
        "AMM",
        REGISTRAR,
        T0,
        reason="date of birth wrong",
        evidence="  hospital letter 55/2026 ",
    )
    assert c.evidence == "hospital letter 55/2026" and c.state is CorrectionState.PROPOSED
    assert audit[0].kind is AuditKind.CORRECTION_PROPOSED
    assert audit[0].data["evidence"] == "hospital letter 55/2026" and "reason" not in audit[0].data
    approved, audit = step_correction(c, Approve(REGISTRAR2, _at(1)))
    assert (approved.state, approved.decided_by) == (CorrectionState.APPROVED, "r2")
    assert audit[0].kind is AuditKind.CORRECTION_APPROVED


def test_a_supervisor_may_approve_a_correction_at_any_office() -> None:
    approved, _ = step_correction(_proposed(), Approve(SUPERVISOR, _at(1)))
    assert approved.state is CorrectionState.APPROVED


def test_a_registrar_cannot_approve_their_own_correction() -> None:
    err = _refused(
        DeclarationRefusal.OWN_CORRECTION, step_correction, _proposed(), Approve(REGISTRAR, _at(1))
    )
    assert "اقترحته بنفسك" in err.refusal.ar
    _refused(
        DeclarationRefusal.OWN_CORRECTION,
        step_correction,
        _proposed(),
        Decline(REGISTRAR, _at(1), "no"),
    )


@pytest.mark.parametrize(
    ("who", "code"),
    [
        (CLERK, DeclarationRefusal.NOT_PERMITTED),
        (ADMIN, DeclarationRefusal.NOT_PERMITTED),
        (IRBID_REGISTRAR, DeclarationRefusal.OTHER_OFFICE),
    ],
)
def test_who_may_not_decide_a_correction(who: Staff, code: DeclarationRefusal) -> None:
    _refused(code, step_correction, _proposed(), Approve(who, _at(1)))


def test_a_clerk_or_supervisor_cannot_propose_a_correction() -> None:
    for who in (CLERK, SUPERVISOR):
        with pytest.raises(Refused) as info:
            propose_correction("C", "person:1", "AMM", who, T0, reason="r", evidence="e")
        assert info.value.code == DeclarationRefusal.NOT_PERMITTED.value


def test_a_correction_needs_reason_and_evidence() -> None:
    with pytest.raises(Refused) as info:
        propose_correction("C", "p", "AMM", REGISTRAR, T0, reason=" ", evidence="e")
    assert info.value.code == DeclarationRefusal.REASON_REQUIRED.value
    with pytest.raises(Refused) as info:
        propose_correction("C", "p", "AMM", REGISTRAR, T0, reason="r", evidence="")
    assert info.value.code == DeclarationRefusal.EVIDENCE_REQUIRED.value


def test_decline_needs_a_reason_and_withdraw_is_the_proposers() -> None:
    _refused(
        DeclarationRefusal.REASON_REQUIRED,
        step_correction,
        _proposed(),
        Decline(REGISTRAR2, _at(1), ""),
    )
    declined, audit = step_correction(
        _proposed(), Decline(REGISTRAR2, _at(1), "no evidence attached")
    )
    assert declined.decision_reason == "no evidence attached"
    assert audit[0].kind is AuditKind.CORRECTION_DECLINED
    _refused(
        DeclarationRefusal.NOT_PROPOSER, step_correction, _proposed(), Withdraw(REGISTRAR2, _at(1))
    )
    withdrawn, _ = step_correction(_proposed(), Withdraw(REGISTRAR, _at(1)))
    assert withdrawn.state is CorrectionState.WITHDRAWN


def test_a_decided_correction_is_final() -> None:
    approved, _ = step_correction(_proposed(), Approve(REGISTRAR2, _at(1)))
    for action in (
        Approve(SUPERVISOR, _at(2)),
        Decline(SUPERVISOR, _at(2), "x"),
        Withdraw(REGISTRAR, _at(2)),
    ):
        with pytest.raises(NoTransition):
            step_correction(approved, action)


# --- any sequence of actions keeps the rules -------------------------------------------------

_STAFF = [CLERK, CLERK2, REGISTRAR, REGISTRAR2, IRBID_REGISTRAR, SUPERVISOR, ADMIN]
_actions = st.lists(
    st.tuples(st.sampled_from(["return", "amend", "register", "reject"]), st.sampled_from(_STAFF)),
    max_size=12,
)


@given(_actions)
def test_any_sequence_keeps_four_eyes_and_office_scope(actions: list[tuple[str, Staff]]) -> None:
    d = _declared()
    for minute, (name, who) in enumerate(actions, 1):
        at = _at(minute)
        actions_by_name: dict[str, Return | Amend | Register | Reject] = {
            "return": Return(who, at, "reason"),
            "amend": Amend(who, at),
            "register": Register(who, at),
            "reject": Reject(who, at, "reason"),
        }
        action = actions_by_name[name]
        before = d
        try:
            d, audit = step(d, action)
        except Refused:
            assert d == before
            continue
        assert len(audit) == 1 and audit[0].data["staff"] == who.id
        assert who.office == "AMM"  # nobody from elsewhere, and no authority-wide role, acted
        if d.state in (State.REGISTERED, State.REJECTED, State.RETURNED):
            assert who.role is Role.REGISTRAR and who.id not in d.authors
        assert "c1" in d.authors
    if d.state is State.REGISTERED:
        assert d.reviewed_by not in d.authors
