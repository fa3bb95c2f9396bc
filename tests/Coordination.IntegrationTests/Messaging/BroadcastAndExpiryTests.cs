using System.Net;
using Coordination.Core.Messaging;
using Coordination.Functions.Features.Messaging;
using Coordination.Functions.Platform.Triggers;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.IntegrationTests.Swarms;
using Coordination.Storage.Tables;
using Microsoft.Extensions.DependencyInjection;

namespace Coordination.IntegrationTests.Messaging;

/// <summary>Broadcast fan-out across several transactions, and expiry: hidden at once, purged by the retention timer.</summary>
public sealed class BroadcastAndExpiryTests
{
    [Fact]
    public async Task A_broadcast_to_a_40_member_swarm_puts_exactly_one_copy_in_every_inbox()
    {
        await using var app = await RunningApp.StartAsync();
        var swarm = await app.CreateSwarmAsync(maxAgents: 40);
        var tokens = new Dictionary<string, string> { ["coordinator"] = swarm.CoordinatorToken };
        foreach (var batch in Enumerable.Range(1, 39).Chunk(8))
        {
            foreach (var (agentId, token) in await Task.WhenAll(batch.Select(async i => ($"agent-{i:D2}", await app.JoinAsync(swarm, $"agent-{i:D2}")))))
            {
                tokens[agentId] = token;
            }
        }
        // A 40 KB payload makes each copy large, so the 40 copies need several transactions (the send is not one batch).
        var payload = new { blob = new string('p', 40_000) };
        var sent = await app.SendMessageAsync(swarm, tokens["agent-07"], new { to = "*", content = "all hands", payload });
        var id = (string)sent["messageId"]!;
        Assert.Equal(40, (int)sent["recipients"]!);

        var copies = (await app.RowsAsync(TableFilter.RowKeyPrefix(swarm.SwarmId, "inbox|"))).Select(MessageRows.FromInbox).Where(c => c.Message.MessageId == id);
        Assert.Equal(tokens.Keys.Order(), copies.Select(c => c.Recipient).Order());
        foreach (var batch in tokens.Chunk(8))
        {
            await Task.WhenAll(batch.Select(async member =>
            {
                var inbox = await app.ReadWholeInboxAsync(swarm, member.Value, 10);
                Assert.Equal([id], inbox.Ids());
            }));
        }
        Assert.Single(await app.ReadAllEventsAsync(swarm, "message.sent"));
    }

    [Fact]
    public async Task Expired_messages_vanish_at_once_and_the_retention_timer_purges_every_row_of_them()
    {
        var clock = new ShiftableClock();
        await using var app = await RunningApp.StartAsync(configureServices: s => s.AddSingleton<TimeProvider>(clock));
        var swarm = await app.CreateSwarmAsync();
        var alice = await app.JoinAsync(swarm, "alice");
        var bob = await app.JoinAsync(swarm, "bob");
        var lasting = (string)(await app.SendMessageAsync(swarm, alice, new { to = "bob", content = "keep" }))["messageId"]!;
        var shortLived = (string)(await app.SendMessageAsync(swarm, alice, new { to = "bob", content = "soon gone", expiresInDays = 1, parentMessageId = lasting }))["messageId"]!;
        var broadcast = (string)(await app.SendMessageAsync(swarm, alice, new { to = "*", content = "soon gone too", expiresInDays = 2 }))["messageId"]!;
        Assert.Equal(new[] { shortLived, lasting, broadcast }.Order(), (await app.InboxAsync(swarm, bob, "status=pending"))["items"]!.AsArray().Select(m => (string)m!["messageId"]!).Order());

        clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        Assert.Equal([lasting, broadcast], (await app.ReadWholeInboxAsync(swarm, bob, 10)).Ids());
        using (var gone = await app.SendAsync(HttpMethod.Get, $"api/swarms/{swarm.SwarmId}/messages/{shortLived}", bob))
        {
            await SwarmApi.EnsureProblemAsync(gone, HttpStatusCode.NotFound, "not_found");
        }
        Assert.Equal([lasting], (await app.GetJsonAsync($"api/swarms/{swarm.SwarmId}/messages/{lasting}/thread", bob))["items"]!.AsArray().Select(m => (string)m!["messageId"]!));

        clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal([lasting], (await app.ReadWholeInboxAsync(swarm, bob, 10)).Ids());
        var retention = app.Services.GetRequiredService<ApplyRetentionTrigger>();
        var log = await retention.RunAsync(new TriggerInvocation(ApplyRetentionTrigger.Name, null, false), CancellationToken.None);
        Assert.Contains("2 expired messages purged", log.Single());

        var rows = await app.RowsAsync($"{TableFilter.Partition(swarm.SwarmId)} and (MessageId eq {TableFilter.Literal(shortLived)} or MessageId eq {TableFilter.Literal(broadcast)})");
        Assert.Empty(rows);
        Assert.Equal("keep", (string)(await app.GetMessageAsync(swarm, bob, lasting))["content"]!);
        Assert.Empty(await app.RowsAsync(TableFilter.RowKeyPrefix(swarm.SwarmId, MessageRows.ExpiryPrefix)));
    }

    [Fact]
    public async Task Retention_finishes_a_purge_that_an_earlier_run_left_half_done()
    {
        var clock = new ShiftableClock();
        await using var app = await RunningApp.StartAsync(configureServices: s => s.AddSingleton<TimeProvider>(clock));
        var swarm = await app.CreateSwarmAsync();
        var alice = await app.JoinAsync(swarm, "alice");
        _ = await app.JoinAsync(swarm, "bob");
        var id = (string)(await app.SendMessageAsync(swarm, alice, new { to = "*", content = "soon gone", expiresInDays = 1 }))["messageId"]!;
        // An earlier run deleted some of the rows (bob's copy and the thread row) and stopped before the rest.
        var table = TestEnvironment.Table(app.TableName);
        var message = MessageRows.FromMessage((await table.GetEntityAsync(swarm.SwarmId, MessageRows.MessageKey(id)))!);
        var deleted = await table.SubmitTransactionAsync(
        [
            TableActions.Delete(swarm.SwarmId, MessageRows.InboxKey("bob", message.Message), Azure.ETag.All),
            TableActions.Delete(swarm.SwarmId, MessageRows.ThreadKey(id, message.Message.SentAt.UtcTicks, id), Azure.ETag.All),
        ]);
        Assert.True(deleted.Succeeded);

        clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        var retention = app.Services.GetRequiredService<ApplyRetentionTrigger>();
        var log = await retention.RunAsync(new TriggerInvocation(ApplyRetentionTrigger.Name, null, false), CancellationToken.None);

        Assert.Contains("1 expired messages purged", log.Single());
        Assert.Empty(await app.RowsAsync($"{TableFilter.Partition(swarm.SwarmId)} and MessageId eq {TableFilter.Literal(id)}"));
    }
}
