using System.Net;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.IntegrationTests.Swarms;

namespace Coordination.IntegrationTests.Messaging;

/// <summary>Mailboxes: status flow, who may acknowledge, ordering and paging, broadcast filter, threads, catch-up.</summary>
public sealed class MailboxTests(SwarmAppFixture fixture) : IClassFixture<SwarmAppFixture>
{
    private readonly RunningApp _app = fixture.App;

    [Fact]
    public async Task A_message_goes_pending_then_delivered_on_read_then_acknowledged_by_its_recipient_only()
    {
        var swarm = await _app.CreateSwarmAsync();
        var alice = await _app.JoinAsync(swarm, "alice");
        var bob = await _app.JoinAsync(swarm, "bob");
        var carol = await _app.JoinAsync(swarm, "carol");
        var watcher = await _app.JoinAsync(swarm, "watcher", "observer");

        var sent = await _app.SendMessageAsync(swarm, alice, new { to = "bob", content = "review PR 7", category = "request", priority = 4, subject = "review", sender = "mallory" });
        var id = (string)sent["messageId"]!;
        Assert.StartsWith("msg_", id);
        Assert.Equal("alice", (string)sent["from"]!);   // from the token, never the body
        Assert.Equal("pending", (string)(await _app.GetMessageAsync(swarm, alice, id))["status"]!);

        using (var byCarol = await _app.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/messages/{id}/ack", carol))
        {
            await SwarmApi.EnsureProblemAsync(byCarol, HttpStatusCode.Forbidden, "not_recipient");
        }
        using (var bySender = await _app.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/messages/{id}/ack", alice))
        {
            await SwarmApi.EnsureProblemAsync(bySender, HttpStatusCode.Forbidden, "not_recipient");
        }
        using (var byObserver = await _app.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/messages/{id}/ack", watcher))
        {
            await SwarmApi.EnsureProblemAsync(byObserver, HttpStatusCode.Forbidden, "forbidden_role");
        }

        var inbox = (await _app.InboxAsync(swarm, bob))["items"]!.AsArray();
        var read = Assert.Single(inbox)!.AsObject();
        Assert.Equal(id, (string)read["messageId"]!);
        Assert.Equal("review PR 7", (string)read["content"]!);
        Assert.Equal("delivered", (string)read["status"]!);
        var afterRead = await _app.GetMessageAsync(swarm, alice, id);
        Assert.Equal("delivered", (string)afterRead["status"]!);
        Assert.NotNull(afterRead["deliveredAt"]);

        using (var ack = await _app.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/messages/{id}/ack", bob))
        {
            Assert.Equal("acknowledged", (string)(await SwarmApi.EnsureAsync(ack, HttpStatusCode.OK))["status"]!);
        }
        using (var again = await _app.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/messages/{id}/ack", bob))
        {
            Assert.Equal("acknowledged", (string)(await SwarmApi.EnsureAsync(again, HttpStatusCode.OK))["status"]!);
        }
        var seenBySender = await _app.GetMessageAsync(swarm, alice, id);
        Assert.Equal("acknowledged", (string)seenBySender["status"]!);
        Assert.NotNull(seenBySender["acknowledgedAt"]);
        Assert.Equal("acknowledged", (string)(await _app.InboxAsync(swarm, bob))["items"]![0]!["status"]!);

        var events = await _app.ReadAllEventsAsync(swarm);
        var sentEvent = Assert.Single(events, e => (string)e["type"]! == "message.sent");
        Assert.Equal(id, (string)sentEvent["subject"]!);
        Assert.Equal("bob", (string)sentEvent["data"]!["to"]!);
        Assert.Null(sentEvent["data"]!["content"]);   // bodies stay out of the log (they expire; the log does not)
        var ackEvent = Assert.Single(events, e => (string)e["type"]! == "message.acknowledged");
        Assert.Equal("bob", (string)ackEvent["actor"]!);
    }

    [Fact]
    public async Task The_inbox_comes_by_priority_then_age_and_cursor_pages_yield_each_message_once()
    {
        var swarm = await _app.CreateSwarmAsync();
        var alice = await _app.JoinAsync(swarm, "alice");
        var bob = await _app.JoinAsync(swarm, "bob/ä #1");   // an agent id the key codec must escape
        int[] priorities = [1, 3, 5, 3, 5, 2, 1, 4, 3];
        var sent = new List<(string Id, int Priority, int Order)>();
        for (var i = 0; i < priorities.Length; i++)
        {
            var m = await _app.SendMessageAsync(swarm, alice, new { to = "bob/ä #1", content = $"m{i}", priority = priorities[i], category = i % 2 == 0 ? "info" : "alert" });
            sent.Add(((string)m["messageId"]!, priorities[i], i));
        }
        var expected = sent.OrderByDescending(s => s.Priority).ThenBy(s => s.Order).Select(s => s.Id).ToList();

        var alerts = await _app.ReadWholeInboxAsync(swarm, bob, 2, "category=alert&status=pending");
        Assert.Equal(expected.Where(id => sent.Single(s => s.Id == id).Order % 2 == 1), alerts.Ids());

        var pages = await _app.ReadWholeInboxAsync(swarm, bob, 2);
        Assert.Equal(expected, pages.Ids());
        Assert.All(pages, m => Assert.Equal("delivered", (string)m["status"]!));
        Assert.Empty(await _app.ReadWholeInboxAsync(swarm, bob, 5, "status=pending"));
        Assert.Equal(expected, (await _app.ReadWholeInboxAsync(swarm, bob, 4, "status=delivered")).Ids());
        Assert.Empty((await _app.InboxAsync(swarm, alice))["items"]!.AsArray());
    }

    [Fact]
    public async Task Broadcast_copies_are_left_out_when_include_broadcast_is_false()
    {
        var swarm = await _app.CreateSwarmAsync();
        var alice = await _app.JoinAsync(swarm, "alice");
        var bob = await _app.JoinAsync(swarm, "bob");
        var direct = (string)(await _app.SendMessageAsync(swarm, alice, new { to = "bob", content = "direct" }))["messageId"]!;
        var all = await _app.SendMessageAsync(swarm, alice, new { to = "*", content = "everyone", priority = 5 });
        Assert.True((bool)all["broadcast"]!);
        Assert.Equal(3, (int)all["recipients"]!);   // coordinator, alice, bob: every member, the sender included

        Assert.Equal([direct], (await _app.ReadWholeInboxAsync(swarm, bob, 10, "includeBroadcast=false")).Ids());
        Assert.Equal([(string)all["messageId"]!, direct], (await _app.ReadWholeInboxAsync(swarm, bob, 10)).Ids());
        Assert.Equal([(string)all["messageId"]!], (await _app.ReadWholeInboxAsync(swarm, alice, 10)).Ids());
        // A broadcast's status is the caller's own copy.
        Assert.Equal("delivered", (string)(await _app.GetMessageAsync(swarm, bob, (string)all["messageId"]!))["status"]!);
        Assert.Equal("pending", (string)(await _app.GetMessageAsync(swarm, swarm.CoordinatorToken, (string)all["messageId"]!))["status"]!);
    }

    [Fact]
    public async Task A_thread_comes_back_complete_and_in_the_order_sent_from_any_of_its_messages()
    {
        var swarm = await _app.CreateSwarmAsync();
        var alice = await _app.JoinAsync(swarm, "alice");
        var bob = await _app.JoinAsync(swarm, "bob");
        var root = (string)(await _app.SendMessageAsync(swarm, alice, new { to = "bob", content = "question" }))["messageId"]!;
        var reply = (string)(await _app.SendMessageAsync(swarm, bob, new { to = "alice", content = "answer", parentMessageId = root }))["messageId"]!;
        _ = await _app.SendMessageAsync(swarm, alice, new { to = "bob", content = "unrelated" });
        var followUp = await _app.SendMessageAsync(swarm, alice, new { to = "bob", content = "thanks", parentMessageId = reply });
        var broadcastReply = (string)(await _app.SendMessageAsync(swarm, bob, new { to = "*", content = "fyi all", parentMessageId = root }))["messageId"]!;
        Assert.Equal(root, (string)followUp["threadId"]!);

        foreach (var from in new[] { root, reply, broadcastReply })
        {
            var thread = await _app.GetJsonAsync($"api/swarms/{swarm.SwarmId}/messages/{from}/thread", swarm.CoordinatorToken);
            Assert.All(thread["items"]!.AsArray(), m => Assert.Equal(root, (string)m!["threadId"]!));
            Assert.Equal([root, reply, (string)followUp["messageId"]!, broadcastReply],
                thread["items"]!.AsArray().Select(m => (string)m!["messageId"]!));
            Assert.False((bool)thread["hasMore"]!);
            Assert.Null(thread["nextCursor"]);
        }
    }

    [Fact]
    public async Task A_thread_pages_as_a_list_with_items_next_cursor_and_has_more()
    {
        var swarm = await _app.CreateSwarmAsync();
        var alice = await _app.JoinAsync(swarm, "alice");
        var ids = new List<string> { (string)(await _app.SendMessageAsync(swarm, alice, new { to = "coordinator", content = "m0" }))["messageId"]! };
        for (var i = 1; i < 5; i++)
        {
            ids.Add((string)(await _app.SendMessageAsync(swarm, alice, new { to = "coordinator", content = $"m{i}", parentMessageId = ids[^1] }))["messageId"]!);
        }

        var seen = new List<string>();
        string? cursor = null;
        for (var page = 0; page < 3; page++)
        {
            var body = await _app.GetJsonAsync($"api/swarms/{swarm.SwarmId}/messages/{ids[2]}/thread?limit=2" + (cursor is null ? string.Empty : "&cursor=" + cursor), alice);
            Assert.True(body.ContainsKey("nextCursor"));
            seen.AddRange(body["items"]!.AsArray().Select(m => (string)m!["messageId"]!));
            cursor = (string?)body["nextCursor"];
            Assert.Equal(cursor is not null, (bool)body["hasMore"]!);
        }
        Assert.Null(cursor);
        Assert.Equal(ids, seen);
        using var bad = await _app.SendAsync(HttpMethod.Get, $"api/swarms/{swarm.SwarmId}/messages/{ids[0]}/thread?cursor=bm90LWEtY3Vyc29y", alice);
        Assert.Contains("cursor", (string?)(await SwarmApi.EnsureProblemAsync(bad, HttpStatusCode.BadRequest, "validation_failed"))["detail"]);
    }

    [Fact]
    public async Task A_message_names_its_ends_to_and_from_and_the_old_target_id_field_is_refused()
    {
        var swarm = await _app.CreateSwarmAsync();
        var alice = await _app.JoinAsync(swarm, "alice");
        _ = await _app.JoinAsync(swarm, "bob");

        var sent = await _app.SendMessageAsync(swarm, alice, new { to = "bob", content = "hi" });
        Assert.Equal(("alice", "bob"), ((string)sent["from"]!, (string)sent["to"]!));
        Assert.False(sent.ContainsKey("targetId"));

        using var old = await _app.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/messages", alice, new { targetId = "bob", content = "hi" });
        var problem = await SwarmApi.EnsureProblemAsync(old, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Contains("'targetId'", (string?)problem["detail"]);
        using var stranger = await _app.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/messages", alice, new { to = "nobody", content = "hi" });
        Assert.Equal("to", (string?)(await SwarmApi.EnsureProblemAsync(stranger, HttpStatusCode.BadRequest, "validation_failed"))["field"]);
    }

    [Fact]
    public async Task Catch_up_returns_the_most_urgent_pending_messages_and_a_compact_swarm_summary()
    {
        var swarm = await _app.CreateSwarmAsync();
        var alice = await _app.JoinAsync(swarm, "alice");
        var bob = await _app.JoinAsync(swarm, "bob");
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((string)(await _app.SendMessageAsync(swarm, alice, new { to = "bob", content = $"m{i}", priority = i == 6 ? 5 : 2 }))["messageId"]!);
        }

        using var first = await _app.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/catch-up", bob);
        var body = await SwarmApi.EnsureAsync(first, HttpStatusCode.OK);
        Assert.Equal([ids[6], ids[0], ids[1], ids[2], ids[3]], body["messages"]!.AsArray().Select(m => (string)m!["messageId"]!));
        Assert.True((bool)body["hasMore"]!);
        Assert.Equal(swarm.SwarmId, (string)body["swarm"]!["swarmId"]!);
        Assert.Equal(["alice", "bob", "coordinator"], body["members"]!.AsArray().Select(m => (string)m!["agentId"]!).Order());
        Assert.True((long)body["lastSequence"]! >= 3);

        using var second = await _app.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/catch-up", bob, new { limit = 10 });
        var rest = await SwarmApi.EnsureAsync(second, HttpStatusCode.OK);
        Assert.Equal([ids[4], ids[5]], rest["messages"]!.AsArray().Select(m => (string)m!["messageId"]!));
        Assert.False((bool)rest["hasMore"]!);
    }

    [Fact]
    public async Task Messages_to_user_land_in_the_mailbox_of_the_member_called_user()
    {
        var swarm = await _app.CreateSwarmAsync();
        var alice = await _app.JoinAsync(swarm, "alice");
        var human = await _app.JoinAsync(swarm, "user", "observer");
        var id = (string)(await _app.SendMessageAsync(swarm, alice, new { to = "user", content = "need a decision" }))["messageId"]!;

        Assert.Equal([id], (await _app.ReadWholeInboxAsync(swarm, human, 10)).Ids());   // observers read (and so receive)
    }

    public static TheoryData<string, object> BadSends => new()
    {
        { "missing to", new { content = "x" } },
        { "blank content", new { to = "bob", content = "  " } },
        { "priority 0", new { to = "bob", content = "x", priority = 0 } },
        { "priority 6", new { to = "bob", content = "x", priority = 6 } },
        { "long subject", new { to = "bob", content = "x", subject = new string('s', 201) } },
        { "expiry 0 days", new { to = "bob", content = "x", expiresInDays = 0 } },
        { "not a member", new { to = "nobody", content = "x" } },
        { "unknown parent", new { to = "bob", content = "x", parentMessageId = "msg_doesnotexist" } },
        { "unknown field", new { to = "bob", content = "x", colour = "red" } },
        { "wrong type", new { to = "bob", content = "x", priority = "high" } },
        { "long content", new { to = "bob", content = new string('c', 16_001) } },
    };

    [Theory]
    [MemberData(nameof(BadSends))]
    public async Task A_bad_send_is_a_validation_problem_and_writes_nothing(string why, object body)
    {
        var swarm = await _app.CreateSwarmAsync();
        var alice = await _app.JoinAsync(swarm, "alice");
        _ = await _app.JoinAsync(swarm, "bob");
        var before = await _app.PartitionSnapshotAsync(swarm);

        using var response = await _app.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/messages", alice, body);
        var problem = await SwarmApi.EnsureProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.False(string.IsNullOrEmpty((string?)problem["detail"]), why);
        Assert.Equal(before, await _app.PartitionSnapshotAsync(swarm));
    }

    [Fact]
    public async Task Bad_reads_answer_precise_problems()
    {
        var swarm = await _app.CreateSwarmAsync();
        var alice = await _app.JoinAsync(swarm, "alice");
        var watcher = await _app.JoinAsync(swarm, "watcher", "observer");
        (string Path, HttpStatusCode Status, string Code)[] cases =
        [
            ($"api/swarms/{swarm.SwarmId}/inbox?status=read", HttpStatusCode.BadRequest, "validation_failed"),
            ($"api/swarms/{swarm.SwarmId}/inbox?limit=0", HttpStatusCode.BadRequest, "validation_failed"),
            ($"api/swarms/{swarm.SwarmId}/inbox?limit=101", HttpStatusCode.BadRequest, "validation_failed"),
            ($"api/swarms/{swarm.SwarmId}/inbox?cursor=bm90LWEtY3Vyc29y", HttpStatusCode.BadRequest, "validation_failed"),
            ($"api/swarms/{swarm.SwarmId}/inbox?includeBroadcast=maybe", HttpStatusCode.BadRequest, "validation_failed"),
            ($"api/swarms/{swarm.SwarmId}/messages/msg_nothere", HttpStatusCode.NotFound, "not_found"),
            ($"api/swarms/{swarm.SwarmId}/messages/msg_nothere/thread", HttpStatusCode.NotFound, "not_found"),
        ];
        foreach (var (path, status, code) in cases)
        {
            using var response = await _app.SendAsync(HttpMethod.Get, path, alice);
            await SwarmApi.EnsureProblemAsync(response, status, code);
        }
        using (var ack = await _app.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/messages/msg_nothere/ack", alice))
        {
            await SwarmApi.EnsureProblemAsync(ack, HttpStatusCode.NotFound, "not_found");
        }
        using (var observerSend = await _app.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/messages", watcher, new { to = "alice", content = "x" }))
        {
            await SwarmApi.EnsureProblemAsync(observerSend, HttpStatusCode.Forbidden, "forbidden_role");
        }
        using (var badLimit = await _app.SendAsync(HttpMethod.Post, $"api/swarms/{swarm.SwarmId}/catch-up", alice, new { limit = 51 }))
        {
            await SwarmApi.EnsureProblemAsync(badLimit, HttpStatusCode.BadRequest, "validation_failed");
        }
    }
}
