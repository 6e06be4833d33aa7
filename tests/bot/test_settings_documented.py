"""The settings file a newcomer copies (.env.example) lists exactly the settings the README documents."""

from __future__ import annotations

import re

from tests.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _documented() -> set[str]:
    table = README[README.index("## Configuration"):README.index("## How it works")]
    return set(re.findall(r"^\| `([A-Z_]+)` \|", table, flags=re.MULTILINE))


def _in_example() -> set[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Z_]+)=", text, flags=re.MULTILINE))


def test_every_documented_setting_is_in_the_example_file() -> None:
    documented = _documented()
    assert len(documented) > 10  # the table was found
    assert documented - _in_example() == set()
    assert _in_example() - documented == set()  # and the example sets nothing undocumented

