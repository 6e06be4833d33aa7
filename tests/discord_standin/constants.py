"""Discord's numeric codes the stand-in speaks: interaction, callback and option types.

The values are Discord's (https://discord.com/developers/docs/interactions/receiving-and-responding);
``ALLOWED_CALLBACKS`` says which initial responses Discord accepts for each interaction type.
"""

from __future__ import annotations

# Interaction types / callback types
IT_PING, IT_COMMAND, IT_COMPONENT, IT_AUTOCOMPLETE, IT_MODAL_SUBMIT = 1, 2, 3, 4, 5
CB_PONG, CB_MESSAGE, CB_DEFERRED_MESSAGE, CB_DEFERRED_UPDATE, CB_UPDATE = 1, 4, 5, 6, 7
CB_AUTOCOMPLETE, CB_MODAL, CB_PREMIUM, CB_LAUNCH_ACTIVITY = 8, 9, 10, 12
ALLOWED_CALLBACKS = {
    IT_COMMAND: {CB_MESSAGE, CB_DEFERRED_MESSAGE, CB_MODAL, CB_PREMIUM, CB_LAUNCH_ACTIVITY},
    IT_COMPONENT: {CB_MESSAGE, CB_DEFERRED_MESSAGE, CB_DEFERRED_UPDATE, CB_UPDATE, CB_MODAL, CB_PREMIUM, CB_LAUNCH_ACTIVITY},
    IT_AUTOCOMPLETE: {CB_AUTOCOMPLETE},
    IT_MODAL_SUBMIT: {CB_MESSAGE, CB_DEFERRED_MESSAGE, CB_DEFERRED_UPDATE, CB_UPDATE, CB_PREMIUM},
}

# Option types
OPT_SUB, OPT_GROUP, OPT_STRING, OPT_INT, OPT_BOOL, OPT_USER, OPT_CHANNEL, OPT_ROLE, OPT_MENTIONABLE, OPT_NUMBER, OPT_ATTACHMENT = range(1, 12)
