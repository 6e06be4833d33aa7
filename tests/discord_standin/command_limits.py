"""Discord's rules for application commands and the values users can send to them.

``validate_commands`` checks a registration body (PUT/POST/PATCH on .../commands)
and ``validate_choices`` an autocomplete answer; both return ``None`` or the
``ApiError`` (400 / 50035) Discord would answer with.  ``option_value_problem``
says why Discord's client would refuse to send a value (too long, too short, out of
range), so the stand-in never delivers an interaction real Discord could not.
"""

from __future__ import annotations

import re
from typing import Any, Optional

from .limits import CHOICE_TEXT_MAX, ApiError, FormErrors

COMMAND_NAME_RE = re.compile(r"^[-_'\w]{1,32}$")
COMMAND_DESCRIPTION_MAX = 100
COMMAND_OPTIONS_MAX = 25
COMMAND_CHOICES_MAX = 25
STRING_OPTION_LENGTH_MAX = 6000  # the most min_length / max_length may say
OPT_STRING, OPT_INTEGER, OPT_NUMBER = 3, 4, 10


def validate_commands(commands: list[dict[str, Any]]) -> Optional[ApiError]:
    """Validate a bulk-overwrite (PUT .../commands) body."""
    errs = FormErrors()
    if len(commands) > 100:
        errs.add((), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
    seen: set[tuple[str, int]] = set()
    for i, cmd in enumerate(commands):
        ctype = int(cmd.get("type", 1))
        name = cmd.get("name") or ""
        key = (name, ctype)
        if key in seen:
            errs.add((i, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
        seen.add(key)
        if ctype == 1:
            if not COMMAND_NAME_RE.match(name) or name != name.lower():
                errs.add((i, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
            if errs.required((i, "description"), cmd.get("description")):
                errs.max_len((i, "description"), cmd.get("description"), COMMAND_DESCRIPTION_MAX)
            _check_options(errs, (i, "options"), cmd.get("options") or [])
        else:
            errs.max_len((i, "name"), name, 32)
    return errs.to_error() if errs else None


def _check_options(errs: FormErrors, p: tuple[Any, ...], options: list[dict[str, Any]]) -> None:
    if len(options) > COMMAND_OPTIONS_MAX:
        errs.add(p, "BASE_TYPE_MAX_LENGTH", f"Must be {COMMAND_OPTIONS_MAX} or fewer in length.")
    seen_optional = False
    for j, o in enumerate(options):
        op = p + (j,)
        name = o.get("name") or ""
        if not COMMAND_NAME_RE.match(name) or name != name.lower():
            errs.add(op + ("name",), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        if errs.required(op + ("description",), o.get("description")):
            errs.max_len(op + ("description",), o.get("description"), COMMAND_DESCRIPTION_MAX)
        _check_option_limits(errs, op, o)
        _check_choice_list(errs, op + ("choices",), o.get("choices") or [])
        if o.get("type") in (1, 2):
            _check_options(errs, op + ("options",), o.get("options") or [])
        else:
            if o.get("required"):
                if seen_optional:
                    errs.add(op + ("required",), "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                             "Required options must be placed before non-required options")
            else:
                seen_optional = True


def _check_option_limits(errs: FormErrors, op: tuple[Any, ...], o: dict[str, Any]) -> None:
    for key, low in (("min_length", 0), ("max_length", 1)):
        value = o.get(key)
        if value is not None and not low <= int(value) <= STRING_OPTION_LENGTH_MAX:
            errs.add(op + (key,), "NUMBER_TYPE_MAX" if int(value) > STRING_OPTION_LENGTH_MAX else "NUMBER_TYPE_MIN",
                     f"{key} must be between {low} and {STRING_OPTION_LENGTH_MAX}.")
    if o.get("min_length") is not None and o.get("max_length") is not None and int(o["min_length"]) > int(o["max_length"]):
        errs.add(op + ("min_length",), "APPLICATION_COMMAND_OPTION_MIN_GREATER_THAN_MAX", "min_length must not exceed max_length.")


def _check_choice_list(errs: FormErrors, p: tuple[Any, ...], choices: list[dict[str, Any]]) -> None:
    if len(choices) > COMMAND_CHOICES_MAX:
        errs.add(p, "BASE_TYPE_MAX_LENGTH", f"Must be {COMMAND_CHOICES_MAX} or fewer in length.")
    for k, choice in enumerate(choices):
        if errs.required(p + (k, "name"), choice.get("name")):
            errs.max_len(p + (k, "name"), choice.get("name"), CHOICE_TEXT_MAX)
        if isinstance(choice.get("value"), str):
            errs.max_len(p + (k, "value"), choice["value"], CHOICE_TEXT_MAX)


def validate_choices(choices: list[dict[str, Any]], option: Optional[dict[str, Any]]) -> Optional[ApiError]:
    """An autocomplete answer (callback type 8): at most 25 choices, names and values
    within 100 characters, and no value the user could not send for ``option``."""
    errs = FormErrors()
    _check_choice_list(errs, ("data", "choices"), choices)
    for k, choice in enumerate(choices):
        problem = option_value_problem(option or {}, choice.get("value"))
        if problem:
            errs.add(("data", "choices", k, "value"), "APPLICATION_COMMAND_OPTION_VALUE_INVALID", problem)
    return errs.to_error() if errs else None


def option_value_problem(option: dict[str, Any], value: Any) -> Optional[str]:
    """Why Discord would not accept ``value`` for the registered ``option``, or ``None``."""
    otype = option.get("type")
    if otype == OPT_STRING and isinstance(value, str):
        if option.get("max_length") is not None and len(value) > int(option["max_length"]):
            return f"Must be {option['max_length']} or fewer in length (got {len(value)})."
        if option.get("min_length") is not None and len(value) < int(option["min_length"]):
            return f"Must be {option['min_length']} or more in length (got {len(value)})."
    if otype in (OPT_INTEGER, OPT_NUMBER) and isinstance(value, (int, float)) and not isinstance(value, bool):
        if option.get("max_value") is not None and value > option["max_value"]:
            return f"Must be {option['max_value']} or less (got {value})."
        if option.get("min_value") is not None and value < option["min_value"]:
            return f"Must be {option['min_value']} or more (got {value})."
    return None
