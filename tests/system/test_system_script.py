"""The scripted-touch mechanism itself: its steps are read strictly, and it stays hidden."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kiosk_app.cli import group
from kiosk_app.ui.script import ScriptError, StepSpec


def test_a_step_is_read_with_its_wait_and_timeout() -> None:
    spec = StepSpec.parse(
        '{"label": "pay", "do": "pay", "until": ["done", "print_failed"], "timeout": 60}'
    )
    assert (spec.label, spec.do, spec.until, spec.timeout) == (
        "pay",
        "pay",
        ("done", "print_failed"),
        60.0,
    )
    assert StepSpec.parse('{"do": "keys", "text": "123"}').args == {"text": "123"}
    assert StepSpec.parse('{"until": "attract"}').until == ("attract",)


@pytest.mark.parametrize("line", ["not json", "[1, 2]", '{"do": "format_disk"}'])
def test_a_bad_step_is_refused(line: str) -> None:
    with pytest.raises(ScriptError):
        StepSpec.parse(line)


def test_the_script_options_are_not_offered_in_help() -> None:
    shown = CliRunner().invoke(group, ["--help"])
    assert shown.exit_code == 0
    assert "--windowed" in shown.output
    assert "--script" not in shown.output
