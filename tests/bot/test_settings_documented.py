"""The settings file a newcomer copies (.env.example) lists exactly the settings the operator
guide documents, and the README's essentials are among them."""

from __future__ import annotations

import re

from tests.paths import ROOT


def _settings_table(text: str, start: str) -> set[str]:
    section = text[text.index(start):]
    end = section.find("\n## ", 1)  # the next section
    section = section if end == -1 else section[:end]
    return set(re.findall(r"^\| `([A-Z_]+)` \|", section, flags=re.MULTILINE))


def _documented() -> set[str]:
    return _settings_table((ROOT / "docs" / "operator-guide.md").read_text(encoding="utf-8"), "## Settings")


def _in_example() -> set[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Z_]+)=", text, flags=re.MULTILINE))


def test_every_documented_setting_is_in_the_example_file() -> None:
    documented = _documented()
    assert len(documented) > 10  # the table was found
    assert documented - _in_example() == set()
    assert _in_example() - documented == set()  # and the example sets nothing undocumented


def test_the_readme_essentials_are_documented_settings() -> None:
    essentials = _settings_table((ROOT / "README.md").read_text(encoding="utf-8"), "## Configuration")
    assert len(essentials) >= 5  # the table was found
    assert essentials - _documented() == set()
