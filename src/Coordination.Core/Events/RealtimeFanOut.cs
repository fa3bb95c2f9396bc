using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Coordination.Core.Common;
using Coordination.Storage.Tables;
using Coordination.Storage.WebPubSub;
using Microsoft.Extensions.Logging;

namespace Coordination.Core.Events;

/// <summary>
/// Real-time fan-out of the sequenced log through Azure Web PubSub: every event goes to the group <c>swarm-{id}</c>
/// (clients join it with the token from negotiate), and an event addressed to one agent (its <see cref="PendingEvent.Audience"/>, e.g. a direct message) also goes to
/// that agent's user (<c>{swarmId}.{agentId}</c>). Each Web PubSub message is a CloudEvents JSON batch (an array, in sequence
/// order). Reads the log, never the outbox, from a durable cursor (<c>meta|fanout</c>) advanced after each successful
/// send: delivery is at least once, and clients drop repeats by event <c>id</c> or <c>sequence</c>.
/// The sequencer <see cref="Kick"/>s after each committed batch; the run happens in the background, so neither writers
/// nor readers ever wait on Web PubSub. A failed send is logged and retried by the dispatch path (the next write, the
/// DispatchSwarm wake-up, the SequenceOutbox timer). Without Web PubSub configured this does nothing: SSE and polling
/// remain, and that is not an error.
/// </summary>
public sealed class RealtimeFanOut
{
    private readonly TableStore table;
    private readonly WebPubSubServiceClient? client;
    private readonly ILogger<RealtimeFanOut> logger;
    private readonly CoalescingRunner runner;

    /// <summary>Creates the fan-out; <paramref name="client"/> is null when Web PubSub is not configured.</summary>
    public RealtimeFanOut(TableStore table, WebPubSubServiceClient? client, ILogger<RealtimeFanOut> logger)
    {
        this.table = table;
        this.client = client;
        this.logger = logger;
        runner = new CoalescingRunner(swarmId => DispatchAsync(swarmId, CancellationToken.None), logger, "Real-time fan-out");
    }

    /// <summary>When a swarm's fan-out first runs, it starts this many events before the log's end (not at its beginning).</summary>
    public const int InitialBacklog = 50;

    /// <summary>Events read per round.</summary>
    private const int EventsPerRound = 100;

    /// <summary>Rounds per run (bounded work; a later run continues).</summary>
    private const int MaxRounds = 10;

    /// <summary>Web PubSub messages are limited to 1 MB; batches stay well below.</summary>
    private const int MaxBatchBytes = 512 * 1024;

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    /// <summary>The Web PubSub client, when configured.</summary>
    public WebPubSubServiceClient? Client => client;

    /// <summary>The group every member of a swarm joins.</summary>
    public static string GroupOf(string swarmId) => "swarm-" + swarmId;

    /// <summary>The Web PubSub user of a member: scoped by swarm, because a hub's users are shared by all swarms.</summary>
    public static string UserOf(string swarmId, string agentId) => swarmId + "." + agentId;

    /// <summary>Schedules a background run for the swarm (runs coalesce); returns at once.</summary>
    public void Kick(string swarmId)
    {
        if (client is null)
        {
            return;
        }
        runner.Kick(swarmId);
    }

    /// <summary>Publishes what the swarm's cursor has not covered yet (bounded); returns the events sent. Never throws for send failures.</summary>
    public async Task<int> DispatchAsync(string swarmId, CancellationToken cancellationToken)
    {
        if (client is null)
        {
            return 0;
        }
        var gate = _gates.GetOrAdd(swarmId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var sent = 0;
            for (var round = 0; round < MaxRounds; round++)
            {
                var (count, more) = await PublishRoundAsync(swarmId, client, cancellationToken).ConfigureAwait(false);
                sent += count;
                if (!more)
                {
                    break;
                }
            }
            return sent;
        }
        catch (Exception e) when (e is Azure.RequestFailedException or HttpRequestException or AggregateException)
        {
            logger.LogWarning(e, "Real-time fan-out of {SwarmId} failed; the dispatch path retries it", swarmId);
            return 0;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>One round: read after the cursor, send, advance. Returns the events sent and whether more may wait.</summary>
    private async Task<(int Sent, bool More)> PublishRoundAsync(string swarmId, WebPubSubServiceClient pubsub, CancellationToken cancellationToken)
    {
        var cursorEntity = await table.GetEntityAsync(swarmId, EventRows.FanOutCursorKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        var cursor = cursorEntity is null ? null : EventRows.FromFanOutCursor(cursorEntity);
        var after = cursor?.LastPublished ?? Math.Max(0, await EventSequencer.ReadHeadAsync(table, swarmId, cancellationToken).ConfigureAwait(false) - InitialBacklog);
        var rows = new List<EventRow>();
        await foreach (var entity in table.QueryAsync(EventRows.EventsAfter(swarmId, after), maxPerPage: EventsPerRound, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            rows.Add(EventRows.FromEvent(entity));
            if (rows.Count == EventsPerRound)
            {
                break;
            }
        }
        if (rows.Count == 0)
        {
            return (0, false);
        }
        await SendAsync(swarmId, pubsub, rows, cancellationToken).ConfigureAwait(false);
        var next = EventRows.ToEntity(new FanOutCursorRow(swarmId, rows[^1].Sequence));
        var advanced = cursor is null
            ? await table.AddEntityAsync(next, cancellationToken).ConfigureAwait(false)
            : await table.UpdateEntityAsync(next, cursor.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        // Any failure is a lost race (AlreadyExists: another instance created the cursor; PreconditionFailed: it moved it;
        // NotFound: the swarm's rows were deleted), and means another instance published the same events too (at least
        // once, never lost): re-read the cursor.
        return advanced.Succeeded ? (rows.Count, rows.Count == EventsPerRound) : (rows.Count, true);
    }

    /// <summary>Sends the events to the swarm's group in batches, and each addressed event to its agent too.</summary>
    private static async Task SendAsync(string swarmId, WebPubSubServiceClient pubsub, List<EventRow> rows, CancellationToken cancellationToken)
    {
        var audiences = rows.Where(r => r.Content.Audience is not null).ToDictionary(r => r.Sequence, r => r.Content.Audience!);
        foreach (var batch in Batches(rows.Select(r => r.ToSwarmEvent()).ToList()))
        {
            await pubsub.SendToGroupAsync(GroupOf(swarmId), batch.Body, cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var direct in batch.Events.Where(e => audiences.ContainsKey(e.Sequence)))
            {
                await pubsub.SendToUserAsync(UserOf(swarmId, audiences[direct.Sequence]), Serialize([direct]), cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static IEnumerable<(IReadOnlyList<SwarmEvent> Events, BinaryData Body)> Batches(List<SwarmEvent> events)
    {
        var batch = new List<SwarmEvent>();
        var bytes = 0;
        foreach (var e in events)
        {
            var size = Encoding.UTF8.GetByteCount(JsonSerializer.Serialize(e, EventJson.Options));
            if (batch.Count > 0 && bytes + size > MaxBatchBytes)
            {
                yield return (batch, Serialize(batch));
                batch = [];
                bytes = 0;
            }
            batch.Add(e);
            bytes += size;
        }
        if (batch.Count > 0)
        {
            yield return (batch, Serialize(batch));
        }
    }

    private static BinaryData Serialize(IReadOnlyList<SwarmEvent> events) => BinaryData.FromString(JsonSerializer.Serialize(events, EventJson.Options));
}
