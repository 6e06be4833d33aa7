"""End-to-end proof of the Discord stand-in (tests/discord_standin).

A tiny discord.py bot defined here (not the project's bot) runs unmodified
against ``FakeDiscord``: real HTTP over TLS, real gateway websocket with
zlib-stream compression, real app-command tree.
"""

from __future__ import annotations

import asyncio
import csv
import io

import aiohttp
import discord
import pytest
import pytest_asyncio
from discord import app_commands
from discord.ext import commands

from tests.discord_standin import FakeDiscord, NotDeliverable, Perm, SentMessage, validate_message
from tests.discord_standin import fake_discord  # noqa: F401  (pytest fixture)
from tests.discord_standin.models import ChannelType

NO_PINGS = discord.AllowedMentions.none()


class ArchiveBot(commands.Bot):
    """Test bot: /echo (defer + followup), /info (immediate embed), /export (CSV
    file followup), /vote (button), /feedback (modal), /slow (answers when told),
    /config set (subcommand), /find (autocompleted outlet of at most 20 characters),
    /modtools (guild only, Manage Messages by default), and an on_message handler
    for @mentions."""

    def __init__(self, fake: FakeDiscord) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=discord.Intents.default(), allowed_mentions=NO_PINGS,
                         **fake.client_kwargs())
        self.fake = fake
        self.gate = asyncio.Event()
        self.slow_errors: list[discord.HTTPException] = []
        self.resumed = asyncio.Event()
        self.downloaded: bytes = b""
        self.outlets = ["BBC", "The Guardian"]
        self._add_commands()

    async def setup_hook(self) -> None:
        guild = discord.Object(self.fake.guild.id)
        self.tree.copy_global_to(guild=guild)
        self.synced = await self.tree.sync(guild=guild)

    async def on_resumed(self) -> None:
        self.resumed.set()

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or self.user not in message.mentions:
            return
        question = message.content.replace(self.user.mention, "").strip()
        await message.reply(f"You asked: {question}", mention_author=False)

    def _add_commands(self) -> None:
        tree = self.tree

        @tree.command(description="Echo text back (deferred)")
        async def echo(interaction: discord.Interaction, text: str) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.followup.send(f"echo: {text}")

        @tree.command(description="Defer publicly, then a private error")
        async def oops(interaction: discord.Interaction, delete_first: bool) -> None:
            await interaction.response.defer(thinking=True)
            if delete_first:
                await interaction.delete_original_response()
            await interaction.followup.send("that failed", ephemeral=True)

        @tree.command(description="Immediate embed reply")
        async def info(interaction: discord.Interaction) -> None:
            perms = interaction.permissions
            embed = discord.Embed(title="Archive info", description="3 articles indexed")
            embed.add_field(name="moderator", value=str(perms.moderate_members))
            embed.add_field(name="owner", value=str(interaction.guild.owner_id == interaction.user.id))
            await interaction.response.send_message(embed=embed)

        @tree.command(description="Export as CSV")
        async def export(interaction: discord.Interaction) -> None:
            await interaction.response.defer()
            buf = io.StringIO()
            w = csv.writer(buf)
            w.writerow(["id", "title"])
            w.writerow([1, "Budget passes"])
            w.writerow([2, "Storm warning"])
            msg = await interaction.followup.send(
                "Here is the export", file=discord.File(io.BytesIO(buf.getvalue().encode()), "report.csv"), wait=True
            )
            self.downloaded = await msg.attachments[0].read()  # via the stand-in's CDN

        class VoteView(discord.ui.View):
            @discord.ui.button(label="Upvote", custom_id="vote:up", style=discord.ButtonStyle.green)
            async def up(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
                await interaction.response.edit_message(content=f"Upvoted by {interaction.user.name}", view=None)

        @tree.command(description="Vote")
        async def vote(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Vote here", view=VoteView(timeout=None))

        class Feedback(discord.ui.Modal, title="Feedback"):
            text = discord.ui.TextInput(label="Your feedback", custom_id="fb:text")

            async def on_submit(self, interaction: discord.Interaction) -> None:
                await interaction.response.send_message(f"Thanks: {self.text.value}", ephemeral=True)

        @tree.command(description="Send feedback")
        async def feedback(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(Feedback())

        @tree.command(description="Too long answer")
        async def toolong(interaction: discord.Interaction) -> None:
            await interaction.response.defer()
            try:
                await interaction.followup.send("x" * 2001)
            except discord.HTTPException as e:
                self.slow_errors.append(e)
                await interaction.followup.send("Sorry, the answer was too long.")

        @tree.command(description="Answers only when the test says so")
        async def slow(interaction: discord.Interaction) -> None:
            await self.gate.wait()
            try:
                await interaction.response.send_message("finally")
            except discord.HTTPException as e:
                self.slow_errors.append(e)

        config = app_commands.Group(name="config", description="Settings")

        @config.command(name="set", description="Set a value")
        async def config_set(interaction: discord.Interaction, key: str, value: int, member: discord.Member) -> None:
            await interaction.response.send_message(f"{key}={value} for {member.display_name}", ephemeral=True)

        tree.add_command(config)

        @tree.command(description="Find articles by outlet")
        async def find(interaction: discord.Interaction, outlet: app_commands.Range[str, 1, 20]) -> None:
            await interaction.response.send_message(f"outlet: {outlet}", ephemeral=True)

        @find.autocomplete("outlet")
        async def find_outlets(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=o, value=o) for o in self.outlets if current.lower() in o.lower()]

        @tree.command(description="Moderator tools")
        @app_commands.guild_only()
        @app_commands.default_permissions(manage_messages=True)
        async def modtools(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("tools", ephemeral=True)


@pytest_asyncio.fixture
async def bot(fake_discord: FakeDiscord):
    b = ArchiveBot(fake_discord)
    async with fake_discord.run_client(b):
        yield b


async def test_login_ready_and_guild_cached(fake_discord: FakeDiscord, bot: ArchiveBot) -> None:
    fake = fake_discord
    assert bot.user.id == fake.bot_user.id
    assert bot.application_id == fake.application_id
    guild = bot.get_guild(fake.guild.id)
    assert guild is not None and guild.name == "Stand-in Guild"
    assert {c.name for c in guild.text_channels} == {"general", "mod-log"}
    assert guild.get_role(fake.moderator_role.id).permissions.moderate_members
    assert guild.me is not None and guild.me.guild_permissions.send_messages
    assert guild.owner_id == fake.owner.id and guild.member_count == 4
    # what the client did at login, and how it spoke to the gateway
    routes = [(r.method, r.route) for r in fake.requests]
    assert ("GET", "/users/@me") in routes and ("GET", "/oauth2/applications/@me") in routes
    assert fake.identify_count == 1 and fake.identify_payloads[0]["intents"] == discord.Intents.default().value
    assert fake.connections[0].query["compress"] in ("zlib-stream", "zstd-stream")
    fake.assert_no_violations()


async def test_tree_sync_recorded(fake_discord: FakeDiscord, bot: ArchiveBot) -> None:
    req = await fake_discord.wait_for_request("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
    assert req.params["guild_id"] == str(fake_discord.guild.id)
    names = {c["name"] for c in fake_discord.synced_commands(fake_discord.guild)}
    assert {"echo", "info", "export", "vote", "config"} <= names
    assert {c.name for c in bot.synced} == names and all(c.id for c in bot.synced)
    # GET returns the same registered commands, with their ids
    fetched = await bot.tree.fetch_commands(guild=discord.Object(fake_discord.guild.id))
    assert {c.id for c in fetched} == {c.id for c in bot.synced}


async def test_deferred_interaction_then_followup(fake_discord: FakeDiscord, bot: ArchiveBot) -> None:
    inter = await fake_discord.send_interaction("echo", {"text": "hello <@&%d>" % fake_discord.moderator_role.id})
    cb = await fake_discord.wait_for_interaction_response(inter)
    assert cb.type == 5 and cb.accepted  # accepted: within the 3 s deadline (a late one is refused)
    msg = await fake_discord.wait_for_interaction_message(inter)
    assert msg.kind == "followup" and msg.content.startswith("echo: hello")
    assert msg.message_id == inter.original_message_id  # replaced the "thinking..." message
    assert msg.allowed_mentions == {"parse": []}
    fake_discord.assert_nothing_pings()
    fake_discord.assert_no_violations()


async def test_first_followup_keeps_a_public_defer_visible_unless_the_thinking_message_is_deleted(
    fake_discord: FakeDiscord, bot: ArchiveBot
) -> None:
    fake = fake_discord
    kept = await fake.send_interaction("oops", {"delete_first": False})
    public = await fake.wait_for_interaction_message(kept)
    assert not public.ephemeral  # ephemeral=True on the first followup is ignored, as on Discord
    deleted = await fake.send_interaction("oops", {"delete_first": True})
    private = await fake.wait_for_interaction_message(deleted)
    [thinking] = fake.deleted_messages
    assert private.ephemeral and int(thinking["id"]) != int(private.message_id)
    fake.assert_no_violations()


async def test_immediate_embed_reply_with_permissions(fake_discord: FakeDiscord, bot: ArchiveBot) -> None:
    fake = fake_discord
    as_member = await fake.send_interaction("info", user=fake.member)
    as_mod = await fake.send_interaction("info", user=fake.moderator)
    as_owner = await fake.send_interaction("info", user=fake.owner)
    fields = {}
    for who, inter in (("member", as_member), ("mod", as_mod), ("owner", as_owner)):
        m = await fake.wait_for_interaction_message(inter)
        assert m.kind == "interaction_response" and m.embeds[0]["title"] == "Archive info"
        fields[who] = {f["name"]: f["value"] for f in m.embeds[0]["fields"]}
    assert fields["member"] == {"moderator": "False", "owner": "False"}
    assert fields["mod"] == {"moderator": "True", "owner": "False"}
    assert fields["owner"] == {"moderator": "True", "owner": "True"}
    assert int(as_mod.payload["member"]["permissions"]) & Perm.MODERATE_MEMBERS
    fake.assert_no_violations()


async def test_over_limit_messages_rejected(fake_discord: FakeDiscord, bot: ArchiveBot) -> None:
    channel = bot.get_channel(fake_discord.channel.id)
    with pytest.raises(discord.HTTPException) as ei:
        await channel.send("x" * 2001)
    assert ei.value.status == 400 and ei.value.code == 50035
    assert "In content: Must be 2000 or fewer in length." in ei.value.text  # discord.py parsed the nested form

    too_many_fields = discord.Embed(title="t")
    for i in range(26):
        too_many_fields.add_field(name=f"f{i}", value="v")
    with pytest.raises(discord.HTTPException, match=r"embeds\.0\.fields"):
        await channel.send(embed=too_many_fields)

    big = [discord.Embed(description="d" * 3500), discord.Embed(description="d" * 3500)]  # 7000 > 6000 in total
    with pytest.raises(discord.HTTPException, match="6000"):
        await channel.send(embeds=big)

    # the bot itself handles a rejected followup and recovers
    inter = await fake_discord.send_interaction("toolong")
    msg = await fake_discord.wait_for_message(lambda m: m.interaction_id == inter.id)
    assert msg.content == "Sorry, the answer was too long."
    assert bot.slow_errors and bot.slow_errors[0].status == 400

    kinds = [v.kind for v in fake_discord.violations]
    assert kinds == ["invalid_form_body"] * 4
    with pytest.raises(AssertionError):
        fake_discord.assert_no_violations()


def test_limit_rules() -> None:
    ok = {"content": "x" * 2000, "embeds": [{"title": "t" * 256, "description": "d" * 4096}]}
    assert validate_message(ok) is None
    e = validate_message({"embeds": [{"title": "t"}] * 11})
    assert e and e.body["errors"]["embeds"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH"
    e = validate_message({"embeds": [{"fields": [{"name": "n", "value": "v" * 1025}], "footer": {"text": "f" * 2049},
                                      "author": {"name": "a" * 257}}]})
    assert e and set(e.body["errors"]["embeds"]["0"]) == {"fields", "footer", "author"}
    e = validate_message({"embeds": [{"description": "d" * 3000}, {"title": "t" * 200, "description": "d" * 2900}]})
    assert e and e.body["errors"]["embeds"]["_errors"][0]["code"] == "MAX_EMBED_SIZE_EXCEEDED"
    e = validate_message({"content": ""})
    assert e and e.status == 400 and e.body["code"] == 50006


async def test_late_and_double_interaction_callbacks_rejected(fake_discord: FakeDiscord, bot: ArchiveBot) -> None:
    fake = fake_discord
    inter = await fake.send_interaction("slow")
    await asyncio.sleep(0.05)
    fake.advance_clock(3.5)  # pretend the bot took 3.5 s
    bot.gate.set()
    cb = await fake.wait_for_interaction_response(inter)
    assert cb.status == 404 and cb.error["code"] == 10062 and cb.at > 3
    await fake.wait_for(lambda: bot.slow_errors)
    assert isinstance(bot.slow_errors[0], discord.NotFound) and bot.slow_errors[0].code == 10062
    assert [v.kind for v in fake.violations] == ["late_interaction_response"]

    # second initial response to the same interaction -> 40060 (raw request; discord.py
    # itself refuses to send it)
    inter2 = await fake.send_interaction("info")
    await fake.wait_for_interaction_message(inter2)
    url = f"https://discord.com/api/v10/interactions/{inter2.id}/{inter2.token}/callback?with_response=1"
    async with aiohttp.ClientSession(connector=fake.make_connector()) as session:
        async with session.post(url, json={"type": 4, "data": {"content": "again"}}) as resp:
            assert resp.status == 400 and resp.headers["Content-Type"] == "application/json"
            assert (await resp.json())["code"] == 40060
        assert fake.violations[-1].kind == "already_acknowledged"

        # interaction tokens (followups, edits) expire after 15 minutes
        fake.advance_clock(15 * 60 + 1)
        url = f"https://discord.com/api/v10/webhooks/{fake.application_id}/{inter2.token}?wait=1"
        async with session.post(url, json={"content": "too late"}) as resp:
            assert resp.status == 401 and (await resp.json())["code"] == 50027
    assert [v.kind for v in fake.violations] == ["late_interaction_response", "already_acknowledged", "expired_interaction_token"]


async def test_gateway_close_4000_resumes_and_answers_queued_interaction(fake_discord: FakeDiscord, bot: ArchiveBot) -> None:
    fake = fake_discord
    await fake.close_gateway(4000)
    inter = await fake.send_interaction("echo", {"text": "while you were away"})  # queued
    await fake.wait_for_resume()
    await asyncio.wait_for(bot.resumed.wait(), 5)
    msg = await fake.wait_for_interaction_message(inter)
    assert msg.content == "echo: while you were away"
    assert fake.identify_count == 1 and fake.resume_count == 1  # resumed, no re-IDENTIFY
    fake.assert_no_violations()


async def test_button_component_interaction(fake_discord: FakeDiscord, bot: ArchiveBot) -> None:
    fake = fake_discord
    inter = await fake.send_interaction("vote")
    shown = await fake.wait_for_interaction_message(inter)
    assert shown.components[0]["components"][0]["custom_id"] == "vote:up"
    with pytest.raises(ValueError):
        await fake.click_button(shown, "vote:nope")
    click = await fake.click_button(shown, "vote:up", user=fake.moderator)
    update = await fake.wait_for_interaction_message(click)
    assert update.kind == "interaction_update" and update.message_id == shown.message_id
    assert update.content == "Upvoted by mod" and update.components == []
    fake.assert_no_violations()


async def test_csv_file_followup(fake_discord: FakeDiscord, bot: ArchiveBot) -> None:
    inter = await fake_discord.send_interaction("export")
    msg = await fake_discord.wait_for_interaction_message(inter)
    assert msg.kind == "followup" and msg.content == "Here is the export"
    (f,) = msg.files
    assert f.filename == "report.csv"
    rows = list(csv.reader(io.StringIO(f.text())))
    assert rows == [["id", "title"], ["1", "Budget passes"], ["2", "Storm warning"]]
    att = msg.attachments[0]
    assert att["filename"] == "report.csv" and att["size"] == len(f.data)
    assert att["content_type"].startswith("text/csv") and att["url"].startswith("https://cdn.discordapp.com/")
    await fake_discord.wait_for(lambda: bot.downloaded)
    assert bot.downloaded == f.data
    fake_discord.assert_no_violations()


async def test_mention_message_and_reply(fake_discord: FakeDiscord, bot: ArchiveBot) -> None:
    fake = fake_discord
    await fake.send_message("no mention here, just chatting")  # content hidden: no MESSAGE_CONTENT intent
    question = await fake.send_message(f"{fake.bot_user.mention} what happened in the budget vote?")
    reply = await fake.wait_for_message(lambda m: m.kind == "channel")
    assert reply.content == "You asked: what happened in the budget vote?"
    assert reply.reference["message_id"] == question["id"]
    assert reply.allowed_mentions["replied_user"] is False and reply.pings == []
    assert len([m for m in fake.messages if m.kind == "channel"]) == 1
    fake.assert_nothing_pings()
    fake.assert_no_violations()


async def test_modal_and_subcommand(fake_discord: FakeDiscord, bot: ArchiveBot) -> None:
    fake = fake_discord
    opener = await fake.send_interaction("feedback")
    cb = await fake.wait_for_interaction_response(opener)
    assert cb.type == 9 and opener.modal["title"] == "Feedback"
    submit = await fake.send_modal_submit(opener, {"fb:text": "More sources please"})
    thanks = await fake.wait_for_interaction_message(submit)
    assert thanks.content == "Thanks: More sources please" and thanks.ephemeral

    sub = await fake.send_interaction("config set", {"key": "limit", "value": 5, "member": fake.member}, user=fake.moderator)
    answer = await fake.wait_for_interaction_message(sub)
    assert answer.content == "limit=5 for Alice"
    fake.assert_no_violations()


async def test_unknown_route_is_404_and_recorded(fake_discord: FakeDiscord, bot: ArchiveBot) -> None:
    with pytest.raises(discord.NotFound):
        await bot.http.request(discord.http.Route("GET", "/voice/regions"))
    assert [r.path for r in fake_discord.unknown_routes] == ["/voice/regions"]
    assert isinstance(fake_discord.messages, list) and not any(isinstance(m, SentMessage) for m in fake_discord.messages)


class QuickReidentifyBot(ArchiveBot):
    async def before_identify_hook(self, shard_id, *, initial: bool = False) -> None:
        return None  # skip discord.py's 5 s sleep before re-IDENTIFYing after op 9


async def test_reconnect_request_and_invalidated_session(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    async with fake.run_client(QuickReidentifyBot(fake)):
        await fake.send_reconnect()  # op 7 -> client reconnects and RESUMEs
        await fake.wait_for_resume()
        assert fake.identify_count == 1 and fake.resume_count == 1
        await fake.invalidate_session(resumable=False)  # op 9 false -> new IDENTIFY
        await fake.wait_for(lambda: fake.identify_count == 2 and fake.session and fake.session.live)
        inter = await fake.send_interaction("echo", {"text": "new session"})
        assert (await fake.wait_for_interaction_message(inter)).content == "echo: new session"
    fake.assert_no_violations()


async def test_plain_client_with_message_content_intent(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    seen: list[str] = []
    intents = discord.Intents.default()
    intents.message_content = True
    intents.members = True
    client = discord.Client(intents=intents, **fake.client_kwargs())

    @client.event
    async def on_message(message: discord.Message) -> None:
        seen.append(message.content)
        if message.author != client.user and message.content == "!ping":
            await message.channel.send("pong")

    async with fake.run_client(client):
        guild = client.get_guild(fake.guild.id)
        assert guild.get_member(fake.member.id) is not None  # members intent -> full member list
        await fake.send_message("!ping", author=fake.moderator)
        pong = await fake.wait_for_message(lambda m: m.content == "pong")
        await fake.wait_for(lambda: "pong" in seen)  # the bot's own message comes back as MESSAGE_CREATE
    assert seen == ["!ping", "pong"] and pong.kind == "channel"
    fake.assert_no_violations()


# -- what real Discord rejects (issue 9) -------------------------------------------------------------


async def test_a_global_429_sends_discord_py_down_its_retry_path(fake_discord: FakeDiscord, bot: ArchiveBot) -> None:
    fake = fake_discord
    fake.set_global_rate_limit(3, per=0.3)
    channel = bot.get_channel(fake.channel.id)
    sent = await asyncio.gather(*(channel.send(f"note {n}") for n in range(6)))
    assert sorted(m.content for m in sent) == [f"note {n}" for n in range(6)]
    assert fake.rate_limited, "six messages at once should trip a limit of three"
    refused = fake.rate_limited[0]
    assert refused.status == 429 and refused.response["global"] is True and 0 < refused.response["retry_after"] <= 0.3
    assert len([m for m in fake.messages if m.kind == "channel"]) == 6  # a refused request changed nothing
    fake.assert_no_violations()


async def test_route_buckets_answer_with_the_headers_discord_py_reads(fake_discord: FakeDiscord, bot: ArchiveBot) -> None:
    fake = fake_discord
    fake.set_rate_limit("POST /channels/{channel_id}/messages", 2, per=10)
    auth = {"Authorization": f"Bot {fake.token}"}

    async def post(session: aiohttp.ClientSession, channel_id: int) -> tuple[int, dict, dict]:
        url = f"https://discord.com/api/v10/channels/{channel_id}/messages"
        async with session.post(url, json={"content": "raw"}, headers=auth) as resp:
            return resp.status, dict(resp.headers), await resp.json()

    async with aiohttp.ClientSession(connector=fake.make_connector()) as session:
        answers = [await post(session, fake.channel.id) for _ in range(3)]
        assert [status for status, _, _ in answers] == [200, 200, 429]
        assert [h["X-RateLimit-Remaining"] for _, h, _ in answers] == ["1", "0", "0"]
        assert answers[0][1]["X-RateLimit-Limit"] == "2" and answers[0][1]["X-RateLimit-Bucket"]
        _, headers, body = answers[2]
        assert body["global"] is False and 9 < body["retry_after"] <= 10
        assert headers["X-RateLimit-Scope"] == "user" and headers["Via"] and float(headers["X-RateLimit-Reset-After"]) > 9
        assert (await post(session, fake.mod_channel.id))[0] == 200  # another channel, another bucket
        fake.advance_clock(10)
        assert (await post(session, fake.channel.id))[0] == 200  # the window has passed
    assert len(fake.channel_history(fake.channel)) == 3

    fake.set_rate_limit("POST /channels/{channel_id}/messages", 2, per=0.2)
    channel = bot.get_channel(fake.mod_channel.id)
    for n in range(3):  # discord.py reads Remaining: 0 and waits by itself, so it is never refused
        await channel.send(f"paced {n}")
    assert len(fake.rate_limited) == 1


async def test_payloads_discord_refuses_are_invalid_form_body(fake_discord: FakeDiscord, bot: ArchiveBot) -> None:
    channel = bot.get_channel(fake_discord.channel.id)
    twice = discord.ui.View()
    twice.add_item(discord.ui.Button(label="Yes", custom_id="answer"))
    twice.add_item(discord.ui.Button(label="No", custom_id="answer"))
    blank = discord.ui.View()
    blank.add_item(discord.ui.Button(custom_id="blank"))  # neither label nor emoji
    long_option = discord.ui.View()
    long_option.add_item(discord.ui.Select(custom_id="pick", options=[discord.SelectOption(label="x", value="v" * 101)]))
    refused = {
        "components.0.components.1.custom_id": dict(view=twice),
        "components.0.components.0": dict(view=blank),
        "embeds.0.url": dict(embed=discord.Embed(title="t", url="javascript:alert(1)")),
        "embeds.0.thumbnail.url": dict(embed=discord.Embed(title="t").set_thumbnail(url="file:///etc/passwd")),
        "components.0.components.0.options.0.value": dict(view=long_option),
    }
    for where, kwargs in refused.items():
        with pytest.raises(discord.HTTPException) as ei:
            await channel.send("look", **kwargs)
        assert ei.value.status == 400 and ei.value.code == 50035 and f"In {where}" in ei.value.text, (where, ei.value.text)
    await channel.send("fine", embed=discord.Embed(title="t", url="https://example.org/a").set_image(url="attachment://chart.png"))
    assert [v.kind for v in fake_discord.violations] == ["invalid_form_body"] * len(refused)
    assert [m["content"] for m in fake_discord.channel_history(fake_discord.channel)] == ["fine"]  # refused ones are not stored


async def test_option_values_over_their_max_length_are_refused(fake_discord: FakeDiscord, bot: ArchiveBot) -> None:
    fake = fake_discord
    with pytest.raises(NotDeliverable, match="20 or fewer"):  # Discord's client never sends it
        await fake.send_interaction("find", {"outlet": "x" * 21})
    bot.outlets = ["BBC", "The Guardian and Observer Weekly"]  # 32 characters: over the option's max_length
    typing = await fake.send_interaction("find", {"outlet": "the"}, focused="outlet")
    cb = await fake.wait_for_interaction_response(typing)
    assert cb.type == 8 and cb.status == 400 and cb.error["code"] == 50035
    assert "data.choices.0.value" in fake.violations[-1].detail
    bot.outlets = ["BBC", "The Guardian"]
    typing = await fake.send_interaction("find", {"outlet": "the"}, focused="outlet")
    await fake.wait_for(lambda: typing.autocomplete_choices)
    assert typing.autocomplete_choices == [{"name": "The Guardian", "value": "The Guardian"}]
    assert [v.kind for v in fake.violations] == ["invalid_form_body"]


async def test_interaction_clocks_start_at_creation_not_delivery(fake_discord: FakeDiscord, bot: ArchiveBot) -> None:
    fake = fake_discord
    await fake.close_gateway(4000)
    late = await fake.send_interaction("info")  # queued while the bot is away
    assert late.delivered_at is None
    fake.advance_clock(3.5)
    await fake.wait_for_resume()
    cb = await fake.wait_for_interaction_response(late)
    assert cb.status == 404 and cb.error["code"] == 10062 and cb.at > 3  # a RESUME gives no extra time

    await fake.close_gateway(4000)
    delayed = await fake.send_interaction("info")
    fake.advance_clock(2)  # delivered 2 s late, still answered in time
    await fake.wait_for_resume()
    await fake.wait_for_interaction_message(delayed)
    fake.advance_clock(15 * 60 - 1)  # 15 min after creation, not yet after delivery
    url = f"https://discord.com/api/v10/webhooks/{fake.application_id}/{delayed.token}?wait=1"
    async with aiohttp.ClientSession(connector=fake.make_connector()) as session:
        async with session.post(url, json={"content": "too late"}) as resp:
            assert resp.status == 401 and (await resp.json())["code"] == 50027
    assert [v.kind for v in fake.violations] == ["late_interaction_response", "expired_interaction_token"]


async def test_only_commands_discord_offers_are_delivered(fake_discord: FakeDiscord, bot: ArchiveBot) -> None:
    fake = fake_discord
    assert FakeDiscord().registered_commands_only
    with pytest.raises(NotDeliverable, match="not registered"):
        await fake.send_interaction("never-synced")
    dm = fake.dm_channel(fake.member)
    with pytest.raises(NotDeliverable, match="not registered for DMs"):  # synced to the guild only
        await fake.send_interaction("echo", {"text": "hi"}, channel=dm)
    await bot.tree.sync()  # now global too
    with pytest.raises(NotDeliverable, match="not offered in DMs"):  # contexts: guild only
        await fake.send_interaction("modtools", channel=dm)
    with pytest.raises(NotDeliverable, match="default_member_permissions"):  # alice lacks Manage Messages
        await fake.send_interaction("modtools", user=fake.member)
    allowed = await fake.send_interaction("modtools", user=fake.moderator)
    assert (await fake.wait_for_interaction_message(allowed)).content == "tools"
    fake.permit_command("modtools", fake.member)  # a server admin's override in Integrations
    permitted = await fake.send_interaction("modtools", user=fake.member)
    assert (await fake.wait_for_interaction_message(permitted)).content == "tools"
    fake.assert_no_violations()


async def test_an_embed_without_embed_links_is_forbidden(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    no_embeds = fake.guild.add_channel("no-embeds")
    no_embeds.overwrite(fake.guild.role(fake.bot_user.username), deny=Perm.EMBED_LINKS)
    async with fake.run_client(ArchiveBot(fake)) as client:
        channel = client.get_channel(no_embeds.id)
        with pytest.raises(discord.Forbidden) as ei:
            await channel.send(embed=discord.Embed(title="Archive info"))
        assert ei.value.code == 50013
        await channel.send("plain text still goes")
    assert [m["content"] for m in fake.channel_history(no_embeds)] == ["plain text still goes"]
    assert [v.kind for v in fake.violations] == ["missing_permissions"]


async def test_a_reply_needs_read_message_history(fake_discord: FakeDiscord, bot: ArchiveBot) -> None:
    fake = fake_discord
    no_history = fake.guild.add_channel("no-history")
    no_history.overwrite(fake.guild.role(fake.bot_user.username), deny=Perm.READ_MESSAGE_HISTORY)
    question = await fake.send_message(f"{fake.bot_user.mention} anyone there?", channel=no_history)
    with pytest.raises(discord.Forbidden) as refused:
        await bot.get_partial_messageable(no_history.id).get_partial_message(int(question["id"])).reply("hi")
    assert refused.value.code == 50013
    assert [v.kind for v in fake.violations] == ["missing_permissions"]
    assert "READ_MESSAGE_HISTORY" in fake.violations[0].detail
    fake.violations.clear()
    sent = await bot.get_partial_messageable(no_history.id).send("a plain message is fine")
    assert sent.reference is None
    fake.assert_no_violations()


async def test_threads_take_their_parents_permissions_and_send_messages_in_threads(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    news = fake.guild.add_channel("news")
    thread = fake.guild.add_thread("budget talk", news, owner=fake.member)
    closed = fake.guild.add_thread("closed talk", news)
    fake.guild.channels[news.id].overwrite(fake.guild.role(fake.bot_user.username), deny=Perm.READ_MESSAGE_HISTORY)
    bot = ArchiveBot(fake)
    async with fake.run_client(bot):
        cached = bot.get_channel(thread.id)
        assert isinstance(cached, discord.Thread) and cached.parent_id == news.id
        assert news.id in {c.id for c in bot.get_guild(fake.guild.id).text_channels}
        assert thread.id not in {c.id for c in bot.get_guild(fake.guild.id).channels}  # threads are not channels
        me = cached.guild.me
        assert cached.permissions_for(me).send_messages_in_threads and not cached.permissions_for(me).read_message_history
        await cached.send("in the thread")  # Send Messages in Threads, from the parent
        assert fake.permissions(fake.bot_user, closed) == fake.permissions(fake.bot_user, news)
        news.overwrite(fake.guild.role(fake.bot_user.username), deny=Perm.SEND_MESSAGES_IN_THREADS)
        with pytest.raises(discord.Forbidden):
            await cached.send("refused")
        assert "SEND_MESSAGES_IN_THREADS" in fake.violations[-1].detail
    assert [m.content for m in fake.messages if m.channel_id == thread.id] == ["in the thread"]


async def test_forums_updates_outages_and_closed_dms(fake_discord: FakeDiscord) -> None:
    fake = fake_discord
    forum = fake.guild.add_channel("ideas", type=ChannelType.GUILD_FORUM)
    news = fake.guild.add_channel("news")
    bot = ArchiveBot(fake)
    async with fake.run_client(bot):
        assert isinstance(bot.get_channel(forum.id), discord.ForumChannel)
        with pytest.raises(discord.HTTPException) as not_text:
            await bot.get_partial_messageable(forum.id).send("a forum takes posts")
        assert not_text.value.code == 50008
        post = fake.guild.add_thread("a post", forum)
        await fake.announce_channel(post, created=True)
        await fake.wait_for(lambda: bot.get_channel(post.id) is not None, what="THREAD_CREATE applied")
        assert bot.get_channel(post.id).parent == bot.get_channel(forum.id)  # type: ignore[union-attr]
        news.overwrite(fake.guild.role(fake.bot_user.username), deny=Perm.SEND_MESSAGES)
        await fake.announce_channel(news)
        await fake.wait_for(lambda: not bot.get_channel(news.id).permissions_for(bot.get_guild(fake.guild.id).me).send_messages,  # type: ignore[union-attr]
                            what="CHANNEL_UPDATE applied")
        fake.fail_route("GET /channels/{channel_id}", status=503)
        with pytest.raises(discord.DiscordServerError):
            await bot.fetch_channel(news.id)
        assert (await bot.fetch_channel(news.id)).id == news.id and len(fake.outage_answers) == 1
        fake.close_dms(fake.member)
        with pytest.raises(discord.Forbidden) as closed:
            await (await bot.fetch_user(fake.member.id)).send("hello")
        assert closed.value.code == 50007
    assert [v.kind for v in fake.violations] == ["not_text"] and not fake.server_errors
