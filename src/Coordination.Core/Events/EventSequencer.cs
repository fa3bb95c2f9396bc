using System.Collections.Concurrent;
using Coordination.Storage.Tables;
using Microsoft.Extensions.Logging;

namespace Coordination.Core.Events;

/// <summary>
/// Turns a swarm's outbox rows into sequenced events. Each batch is one transaction that inserts the
/// <c>evt|</c> rows, deletes the outbox rows and advances <c>meta|seq</c> with If-Match, so exactly one
/// runner wins each batch whichever instance, trigger or request started it, and sequences stay gapless.
/// After each committed batch it kicks the real-time fan-out, which runs in the background.
/// </summary>
public sealed class EventSequencer(TableStore table, EventNotifier notifier, RealtimeFanOut fanOut, ILogger<EventSequencer> logger)
{
    /// <summary>Two operations per event (insert evt, delete outbox) plus the meta row fit in 100.</summary>
    internal const int MaxEventsPerBatch = 49;

    /// <summary>Keeps a batch well under the 4 MiB transaction limit (data is the bulk of a row).</summary>
    private const int MaxDataCharsPerBatch = 1_000_000;

    private const int MaxLostRaces = 50;

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    // The meta row as this process last wrote it, which saves one of a batch's three storage calls. Its ETag still decides
    // every race: a batch that loses (another instance sequenced, the swarm is gone) drops it and reads the row again.
    private readonly ConcurrentDictionary<string, SequenceMetaRow> _lastWritten = new(StringComparer.Ordinal);

    /// <summary>Sequences everything pending for the swarm; returns how many events this call appended.</summary>
    public async Task<int> SequenceAsync(string swarmId, CancellationToken cancellationToken)
    {
        // One runner per swarm per process: racing ourselves would only burn lost transactions.
        var gate = _gates.GetOrAdd(swarmId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var appended = 0;
            var lostRaces = 0;
            while (true)
            {
                var batch = await TrySequenceBatchAsync(swarmId, cancellationToken).ConfigureAwait(false);
                if (batch is null)
                {
                    if (++lostRaces > MaxLostRaces)
                    {
                        logger.LogWarning("Sequencer for {SwarmId} gave up after {LostRaces} lost races; another runner is active", swarmId, lostRaces);
                        return appended;
                    }
                    await Task.Delay(Random.Shared.Next(5, 25), cancellationToken).ConfigureAwait(false);
                    continue;
                }
                appended += batch.Value.Count;
                if (batch.Value.Count > 0)
                {
                    notifier.Notify(swarmId, batch.Value.LastSequence);
                    fanOut.Kick(swarmId);
                }
                if (!batch.Value.MoreWaiting)
                {
                    return appended;
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The last sequence committed for the swarm (0 before the first event).</summary>
    public Task<long> LastSequenceAsync(string swarmId, CancellationToken cancellationToken) => ReadHeadAsync(table, swarmId, cancellationToken);

    /// <summary>The last sequence committed for the swarm, for readers that cannot depend on the sequencer (the fan-out it kicks).</summary>
    internal static async Task<long> ReadHeadAsync(TableStore table, string swarmId, CancellationToken cancellationToken) =>
        EventRows.LastSequenceOf(await table.GetEntityAsync(swarmId, EventRows.SequenceMetaKey, EventRows.LastSequenceSelect, cancellationToken).ConfigureAwait(false));

    private readonly record struct BatchResult(int Count, long LastSequence, bool MoreWaiting);

    /// <summary>One batch; null when another runner won the race (re-read and try again).</summary>
    private async Task<BatchResult?> TrySequenceBatchAsync(string swarmId, CancellationToken cancellationToken)
    {
        if (!_lastWritten.TryGetValue(swarmId, out var meta))
        {
            var metaEntity = await table.GetEntityAsync(swarmId, EventRows.SequenceMetaKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            meta = metaEntity is null ? null : EventRows.FromSequenceMeta(metaEntity);
        }
        var (pending, more) = await ReadPendingAsync(swarmId, cancellationToken).ConfigureAwait(false);
        var lastSequence = meta?.LastSequence ?? 0;
        if (pending.Count == 0)
        {
            return new BatchResult(0, lastSequence, false);
        }

        var prevHash = meta?.LastHash ?? EventRows.GenesisHash;
        var actions = new List<TableTransactionAction>(pending.Count * 2 + 1);
        foreach (var outbox in pending)
        {
            var sequenced = EventRows.Sequenced(outbox, ++lastSequence, prevHash);
            actions.Add(TableActions.Add(EventRows.ToEntity(sequenced)));
            actions.Add(TableActions.Delete(swarmId, outbox.RowKey, outbox.ETag));
            prevHash = sequenced.Hash;
        }
        var nextMeta = EventRows.ToEntity(new SequenceMetaRow(swarmId, lastSequence, prevHash));
        actions.Add(meta is null ? TableActions.Add(nextMeta) : TableActions.Replace(nextMeta, meta.ETag));

        var result = await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        // Every failure is a lost race, and nothing was applied: AlreadyExists on an evt row or on a new meta row, and
        // PreconditionFailed on meta, mean another runner committed a batch first; NotFound on an outbox row means it
        // sequenced that row. The caller re-reads (bounded by MaxLostRaces).
        if (!result.Succeeded)
        {
            _lastWritten.TryRemove(swarmId, out _);
            return null;
        }
        _lastWritten[swarmId] = new SequenceMetaRow(swarmId, lastSequence, prevHash) { ETag = result.ETags[^1] };
        return new BatchResult(pending.Count, lastSequence, more);
    }

    /// <summary>The oldest outbox rows, up to a batch's count and data size; whether more wait beyond them.</summary>
    private async Task<(List<OutboxRow> Rows, bool More)> ReadPendingAsync(string swarmId, CancellationToken cancellationToken)
    {
        var pending = new List<OutboxRow>();
        var dataChars = 0;
        await foreach (var entity in table.QueryAsync(EventRows.PendingOutbox(swarmId), maxPerPage: MaxEventsPerBatch, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var row = EventRows.FromOutbox(entity);
            var size = row.Content.Data?.Length ?? 0;
            if (pending.Count == MaxEventsPerBatch || (pending.Count > 0 && dataChars + size > MaxDataCharsPerBatch))
            {
                return (pending, true);
            }
            pending.Add(row);
            dataChars += size;
        }
        return (pending, false);
    }
}
