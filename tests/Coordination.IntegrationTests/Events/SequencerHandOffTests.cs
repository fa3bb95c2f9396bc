using System.Net;
using System.Net.Http.Json;
using Azure.Data.Tables;
using Coordination.Core.Events;
using Coordination.Core.Storage;
using Coordination.IntegrationTests.Infrastructure;
using Coordination.Storage;
using Coordination.Storage.Tables;
using Microsoft.Extensions.DependencyInjection;

namespace Coordination.IntegrationTests.Events;

/// <summary>
/// A writer hands the outbox rows it committed to the sequencer, which then sequences them without reading the outbox;
/// a hand-over that is wrong (the rows were sequenced by a scan first, or never committed) costs a lost batch and a
/// scan, never a duplicate or an invented event. The app runs as the Functions host starts it: no timer scans meanwhile.
/// </summary>
public sealed class SequencerHandOffTests : IAsyncLifetime
{
    private RunningApp _app = null!;

    public async Task InitializeAsync() => _app = await RunningApp.StartAsync(asFunctionsHost: true);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Sequencing_what_requests_committed_reads_no_outbox()
    {
        var swarm = await _app.CreateSwarmAsync();
        using var client = _app.ClientFor(swarm.CoordinatorToken);
        await _app.ReadAllEventsAsync(swarm);   // the creation's events are sequenced
        var counter = _app.Services.GetRequiredService<StorageCallCounter>();
        var pump = _app.Services.GetRequiredService<EventPump>();
        var before = counter.CallsByKind();
        for (var i = 0; i < 20; i++)
        {
            using var response = await client.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/events", new { type = "handed.over", data = new { i } });
            await SwarmApi.EnsureAsync(response, HttpStatusCode.Accepted);
            await pump.FlushAsync(swarm.SwarmId, CancellationToken.None);   // one batch per write
        }
        var after = counter.CallsByKind();

        // Twenty batches that scanned the outbox would be twenty queries; the app's own cache refreshes may make one or two.
        Assert.InRange(after[StorageCallKind.Query] - before[StorageCallKind.Query], 0, 3);
        Assert.InRange(after[StorageCallKind.Transaction] - before[StorageCallKind.Transaction], 40, 44);   // each write and its batch
        Assert.Equal(20, (await _app.ReadAllEventsAsync(swarm, "handed.over")).Count);
    }

    [Fact]
    public async Task A_row_handed_over_after_a_scan_sequenced_it_is_not_sequenced_again()
    {
        var swarm = await _app.CreateSwarmAsync();
        var action = await CommitOutboxRowAsync(swarm, "scanned.first");
        await _app.Services.GetRequiredService<EventSequencer>().SequenceAsync(swarm.SwarmId, CancellationToken.None);
        Assert.Single(await _app.ReadAllEventsAsync(swarm, "scanned.first"));

        _app.Services.GetRequiredService<EventLog>().Committed(swarm.SwarmId, [action]);   // a late hand-over of the same row
        await AppendAsync(swarm, "after");

        Assert.Single(await _app.ReadAllEventsAsync(swarm, "scanned.first"));
        var all = await _app.ReadAllEventsAsync(swarm);
        Assert.Equal(Enumerable.Range(1, all.Count).Select(i => (long)i), all.Select(e => (long)e["sequence"]!));   // gapless
        Assert.Contains(all, e => (string?)e["type"] == "after");
    }

    [Fact]
    public async Task A_row_handed_over_but_never_committed_is_not_logged_and_the_log_goes_on()
    {
        var swarm = await _app.CreateSwarmAsync();
        await _app.ReadAllEventsAsync(swarm);
        var phantom = EventRows.NewOutbox(swarm.SwarmId, new PendingEvent("never.committed", null, "{}", "ghost"), DateTimeOffset.UtcNow);
        _app.Services.GetRequiredService<EventLog>().Committed(swarm.SwarmId, [TableActions.Add(EventRows.ToEntity(phantom))]);
        await AppendAsync(swarm, "real");

        var all = await _app.ReadAllEventsAsync(swarm);
        Assert.DoesNotContain(all, e => (string?)e["type"] == "never.committed");
        Assert.Contains(all, e => (string?)e["type"] == "real");
        Assert.Equal(Enumerable.Range(1, all.Count).Select(i => (long)i), all.Select(e => (long)e["sequence"]!));
    }

    /// <summary>Commits an outbox row as a writer would, without telling the pump yet.</summary>
    private async Task<TableTransactionAction> CommitOutboxRowAsync(TestSwarm swarm, string type)
    {
        await _app.ReadAllEventsAsync(swarm);
        var row = EventRows.NewOutbox(swarm.SwarmId, new PendingEvent(type, null, "{\"n\":1}", "writer"), DateTimeOffset.UtcNow);
        var action = TableActions.Add(EventRows.ToEntity(row));
        Assert.True((await _app.Services.GetRequiredService<CoordinationStorage>().Table.SubmitTransactionAsync([action])).Succeeded);
        return action;
    }

    private async Task AppendAsync(TestSwarm swarm, string type)
    {
        using var client = _app.ClientFor(swarm.CoordinatorToken);
        using var response = await client.PostAsJsonAsync($"api/swarms/{swarm.SwarmId}/events", new { type });
        await SwarmApi.EnsureAsync(response, HttpStatusCode.Accepted);
    }
}
