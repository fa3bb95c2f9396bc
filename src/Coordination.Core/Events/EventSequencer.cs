using System.Collections.Concurrent;
using Azure;
using Coordination.Storage.Tables;
using Microsoft.Extensions.Logging;

namespace Coordination.Core.Events;

/// <summary>
/// Turns a swarm's outbox rows into sequenced events. Each batch is one transaction that inserts the
/// <c>evt|</c> rows, deletes the outbox rows and advances <c>meta|seq</c> with If-Match, so exactly one
/// runner wins each batch whichever instance, trigger or request started it, and sequences stay gapless.
/// After each committed batch it kicks the real-time fan-out, which runs in the background.
/// <para>
/// Where the rows come from: a writer that commits outbox rows hands them over (<see cref="HandOver"/>), and the run its
/// kick starts sequences them without reading the outbox — one storage call per batch, where a scan of the outbox costs
/// a query (on Azurite, a pass over every row of the table; measured, the sequencer's two queries per claim→complete
/// cycle were half of the emulator's work). Everything else scans: a kick without rows, the triggers (the safety net
/// for a process that died between commit and hand-over), and any batch after a handed-over batch lost a race, since
/// the rows it held may have been sequenced by another runner.
/// </para>
/// </summary>
public sealed class EventSequencer(TableStore table, EventNotifier notifier, RealtimeFanOut fanOut, ILogger<EventSequencer> logger)
{
    /// <summary>Two operations per event (insert evt, delete outbox) plus the meta row fit in 100.</summary>
    internal const int MaxEventsPerBatch = 49;

    /// <summary>Keeps a batch well under the 4 MiB transaction limit (data is the bulk of a row).</summary>
    private const int MaxDataCharsPerBatch = 1_000_000;

    private const int MaxLostRaces = 50;

    private readonly ConcurrentDictionary<string, SwarmSequencing> _swarms = new(StringComparer.Ordinal);

    /// <summary>What this process keeps per swarm for sequencing it.</summary>
    private sealed class SwarmSequencing
    {
        /// <summary>One runner per swarm per process: racing ourselves would only burn lost transactions.</summary>
        public SemaphoreSlim Gate { get; } = new(1, 1);

        /// <summary>
        /// The meta row as this process last wrote it (read and written by the runner holding <see cref="Gate"/>), which
        /// saves a read per batch. Its ETag still decides every race: a batch that loses drops it and reads the row again.
        /// </summary>
        public SequenceMetaRow? LastWritten { get; set; }

        /// <summary>Outbox rows this process committed and handed over (under a lock of this object).</summary>
        public List<OutboxRow> HandedOver { get; } = [];

        /// <summary>True when the outbox must be scanned (under a lock of this object).</summary>
        public bool ScanDue { get; set; }
    }

    private SwarmSequencing StateOf(string swarmId) => _swarms.GetOrAdd(swarmId, _ => new SwarmSequencing());

    /// <summary>
    /// Takes outbox rows whose transaction committed, for the next run to sequence without reading them back. They are
    /// deleted unconditionally (outbox rows are never updated, so a row still there is one not yet sequenced).
    /// </summary>
    internal void HandOver(string swarmId, IEnumerable<OutboxRow> committed)
    {
        var state = StateOf(swarmId);
        lock (state)
        {
            state.HandedOver.AddRange(committed.Select(row => row with { ETag = ETag.All }));
        }
    }

    /// <summary>Notes that the swarm's outbox has rows this process was not handed: the next run scans.</summary>
    internal void ScanDue(string swarmId)
    {
        var state = StateOf(swarmId);
        lock (state)
        {
            state.ScanDue = true;
        }
    }

    /// <summary>Sequences everything pending for the swarm, scanning the outbox; returns how many events this call appended.</summary>
    public Task<int> SequenceAsync(string swarmId, CancellationToken cancellationToken)
    {
        ScanDue(swarmId);
        return SequencePendingAsync(swarmId, cancellationToken);
    }

    /// <summary>Sequences what was handed over, scanning the outbox only when a scan is due; returns how many events it appended.</summary>
    internal async Task<int> SequencePendingAsync(string swarmId, CancellationToken cancellationToken)
    {
        var state = StateOf(swarmId);
        await state.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var appended = 0;
            var lostRaces = 0;
            while (true)
            {
                var batch = await TrySequenceBatchAsync(swarmId, state, cancellationToken).ConfigureAwait(false);
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
            state.Gate.Release();
        }
    }

    /// <summary>The last sequence committed for the swarm (0 before the first event).</summary>
    public Task<long> LastSequenceAsync(string swarmId, CancellationToken cancellationToken) => ReadHeadAsync(table, swarmId, cancellationToken);

    /// <summary>The last sequence committed for the swarm, for readers that cannot depend on the sequencer (the fan-out it kicks).</summary>
    internal static async Task<long> ReadHeadAsync(TableStore table, string swarmId, CancellationToken cancellationToken) =>
        EventRows.LastSequenceOf(await table.GetEntityAsync(swarmId, EventRows.SequenceMetaKey, EventRows.LastSequenceSelect, cancellationToken).ConfigureAwait(false));

    private readonly record struct BatchResult(int Count, long LastSequence, bool MoreWaiting);

    /// <summary>One batch; null when another runner won the race (re-read and try again).</summary>
    private async Task<BatchResult?> TrySequenceBatchAsync(string swarmId, SwarmSequencing state, CancellationToken cancellationToken)
    {
        bool scan;
        lock (state)
        {
            scan = state.ScanDue || state.HandedOver.Count == 0;
            state.ScanDue = false;
        }
        var meta = state.LastWritten;
        if (meta is null)
        {
            var metaEntity = await table.GetEntityAsync(swarmId, EventRows.SequenceMetaKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            meta = metaEntity is null ? null : EventRows.FromSequenceMeta(metaEntity);
        }
        var (pending, more) = scan ? await ReadPendingAsync(swarmId, cancellationToken).ConfigureAwait(false) : TakeHandedOver(state);
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
        lock (state)
        {
            if (!result.Succeeded)
            {
                // Whatever was handed over may have been sequenced by the winner: the retry scans, and finds what was not.
                state.LastWritten = null;
                state.HandedOver.Clear();
                state.ScanDue = true;
                return null;
            }
            var sequenced = pending.Select(row => row.RowKey).ToHashSet(StringComparer.Ordinal);
            state.HandedOver.RemoveAll(row => sequenced.Contains(row.RowKey));
            state.ScanDue |= scan && more;
            more = state.ScanDue || state.HandedOver.Count > 0;
        }
        state.LastWritten = new SequenceMetaRow(swarmId, lastSequence, prevHash) { ETag = result.ETags[^1] };
        return new BatchResult(pending.Count, lastSequence, more);
    }

    /// <summary>The first handed-over rows, up to a batch's count and data size (left in place until their batch commits).</summary>
    private static (List<OutboxRow> Rows, bool More) TakeHandedOver(SwarmSequencing state)
    {
        lock (state)
        {
            var batch = new Batch();
            return (batch.Rows, state.HandedOver.Any(row => !batch.TryAdd(row)));
        }
    }

    /// <summary>The oldest outbox rows, up to a batch's count and data size; whether more wait beyond them.</summary>
    private async Task<(List<OutboxRow> Rows, bool More)> ReadPendingAsync(string swarmId, CancellationToken cancellationToken)
    {
        var batch = new Batch();
        await foreach (var entity in table.QueryAsync(EventRows.PendingOutbox(swarmId), maxPerPage: MaxEventsPerBatch, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (!batch.TryAdd(EventRows.FromOutbox(entity)))
            {
                return (batch.Rows, true);
            }
        }
        return (batch.Rows, false);
    }

    /// <summary>Outbox rows gathered for one batch, within its count and data size.</summary>
    private sealed class Batch
    {
        private int _dataChars;

        public List<OutboxRow> Rows { get; } = [];

        /// <summary>Adds the row unless the batch is full; false when it is.</summary>
        public bool TryAdd(OutboxRow row)
        {
            var size = row.Content.Data?.Length ?? 0;
            if (Rows.Count == MaxEventsPerBatch || (Rows.Count > 0 && _dataChars + size > MaxDataCharsPerBatch))
            {
                return false;
            }
            Rows.Add(row);
            _dataChars += size;
            return true;
        }
    }
}
