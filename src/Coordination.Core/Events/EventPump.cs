using System.Collections.Concurrent;
using Coordination.Core.Common;
using Coordination.Storage.Queues;
using Microsoft.Extensions.Logging;

namespace Coordination.Core.Events;

/// <summary>
/// Gets committed outbox rows sequenced promptly. After a write the writer <see cref="Kick(string)"/>s the swarm:
/// one background run per swarm sequences everything pending (kicks during a run coalesce into one more
/// pass). As a safety net against a crash between commit and sequencing, a wake-up message goes to the
/// queue for the DispatchSwarm trigger — at most one per swarm per <see cref="WakeInterval"/> from this
/// process, because Azurite (and queue cost) degrade with many messages.
/// </summary>
public sealed class EventPump
{
    /// <summary>Minimum spacing of wake-up messages per swarm from one process.</summary>
    public static readonly TimeSpan WakeInterval = TimeSpan.FromSeconds(30);

    /// <summary>Wake-ups become visible after this delay, when the in-process run has normally finished.</summary>
    public static readonly TimeSpan WakeDelay = TimeSpan.FromSeconds(5);

    private readonly CoalescingRunner _runner;
    private readonly EventSequencer _sequencer;
    private readonly StorageQueue _wakeQueue;
    private readonly TimeProvider _clock;
    private readonly ILogger<EventPump> _logger;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastWakeUps = new(StringComparer.Ordinal);

    /// <summary>Creates the pump.</summary>
    public EventPump(EventSequencer sequencer, StorageQueue wakeQueue, TimeProvider clock, ILogger<EventPump> logger)
    {
        _sequencer = sequencer;
        _runner = new CoalescingRunner(swarmId => sequencer.SequencePendingAsync(swarmId, CancellationToken.None), logger, "Sequencing");
        _wakeQueue = wakeQueue;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>Schedules sequencing of the swarm's outbox, scanning it; returns at once.</summary>
    public void Kick(string swarmId)
    {
        _sequencer.ScanDue(swarmId);
        _runner.Kick(swarmId);
        SendWakeUpIfDue(swarmId);
    }

    /// <summary>Schedules sequencing of outbox rows that just committed, without reading them back; returns at once.</summary>
    public void Kick(string swarmId, IEnumerable<OutboxRow> committed)
    {
        _sequencer.HandOver(swarmId, committed);
        _runner.Kick(swarmId);
        SendWakeUpIfDue(swarmId);
    }

    /// <summary>Waits for sequencing of everything this process kicked for the swarm so far.</summary>
    public Task FlushAsync(string swarmId, CancellationToken cancellationToken) => _runner.FlushAsync(swarmId, cancellationToken);

    private void SendWakeUpIfDue(string swarmId)
    {
        var now = _clock.GetUtcNow();
        var last = _lastWakeUps.GetOrAdd(swarmId, DateTimeOffset.MinValue);
        // The compare-and-swap lets exactly one of concurrent writers send the wake-up.
        if (now - last < WakeInterval || !_lastWakeUps.TryUpdate(swarmId, now, last))
        {
            return;
        }
        using (ExecutionContext.SuppressFlow())
        {
            _ = Task.Run(() => SendWakeUpAsync(swarmId));
        }
    }

    private async Task SendWakeUpAsync(string swarmId)
    {
        try
        {
            await _wakeQueue.SendAsync(WakeUp.Serialize(swarmId), visibilityDelay: WakeDelay, timeToLive: TimeSpan.FromHours(1)).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Could not queue a wake-up for {SwarmId}; the SequenceOutbox timer covers it", swarmId);
        }
    }
}

/// <summary>The wake-up message: <c>{"swarmId":"swarm_…"}</c>.</summary>
public static class WakeUp
{
    /// <summary>Message text for a swarm.</summary>
    public static string Serialize(string swarmId) => System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["swarmId"] = swarmId });

    /// <summary>The swarm id in a wake-up message, or null when it is not one.</summary>
    public static string? SwarmIdOf(System.Text.Json.JsonElement message) =>
        message.ValueKind == System.Text.Json.JsonValueKind.Object && message.TryGetProperty("swarmId", out var id) && id.ValueKind == System.Text.Json.JsonValueKind.String
            ? id.GetString()
            : null;
}
