using Azure;
using Coordination.Storage;
using Coordination.Storage.Tables;
using Microsoft.Extensions.Logging;

namespace Coordination.Core.Messaging;

/// <summary>
/// Purges expired messages for the retention timer. Expired messages are already invisible (every read filters on
/// their expiry), so purging is only housekeeping and a message may wait for a later run.
/// </summary>
public sealed class MessageRetention(TableStore table, TimeProvider clock, ILogger<MessageRetention> logger)
{
    private const int MaxOperations = 100;

    /// <summary>
    /// Deletes up to <paramref name="max"/> messages of the swarm whose expiry passed: the message row, every inbox copy,
    /// the thread and expiry index rows. Returns how many messages went.
    /// </summary>
    public async Task<int> PurgeExpiredAsync(string swarmId, int max, CancellationToken cancellationToken)
    {
        var due = new List<MessageExpiryRow>();
        await foreach (var row in table.QueryAsync(MessageRows.DueFilter(swarmId, clock.GetUtcNow()), MessageRows.ExpirySelect, max, cancellationToken).ConfigureAwait(false))
        {
            due.Add(MessageRows.FromExpiry(row));
            if (due.Count == max)
            {
                break;
            }
        }
        var purged = 0;
        foreach (var expiry in due)
        {
            if (await PurgeAsync(expiry, cancellationToken).ConfigureAwait(false))
            {
                purged++;
            }
        }
        return purged;
    }

    /// <summary>
    /// Deletes one message's rows, the expiry row last: until it goes, a later run finds the message again and finishes
    /// the job (without the message row, only the expiry row is left to delete).
    /// </summary>
    private async Task<bool> PurgeAsync(MessageExpiryRow expiry, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        var entity = await table.GetEntityAsync(expiry.SwarmId, MessageRows.MessageKey(expiry.MessageId), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (entity is not null)
        {
            var row = MessageRows.FromMessage(entity);
            keys.AddRange(row.Recipients.Select(r => MessageRows.InboxKey(r, row.Message)));
            keys.Add(MessageRows.ThreadKey(row.Message.ThreadId, row.Message.SentAt.UtcTicks, row.Message.MessageId));
            keys.Add(row.RowKey);
        }
        keys.Add(MessageRows.ExpiryKey(expiry.ExpiresTicks, expiry.MessageId));
        foreach (var chunk in keys.Chunk(MaxOperations))
        {
            if (!await DeleteAsync(expiry, [.. chunk], cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Deletes the rows unconditionally in one transaction. Such a delete fails only with NotFound: the row is already
    /// gone (an interrupted earlier run, or a run overlapping this one), which is what we want, so it leaves the batch
    /// and the rest go again; each round drops one row. Any other outcome (none is expected) is logged and the message
    /// left for the next run rather than thrown: a throw would end this run for every swarm after this one, for a
    /// message nobody can see any more.
    /// </summary>
    private async Task<bool> DeleteAsync(MessageExpiryRow expiry, List<string> keys, CancellationToken cancellationToken)
    {
        while (keys.Count > 0)
        {
            var actions = keys.Select(k => TableActions.Delete(expiry.SwarmId, k, ETag.All)).ToList();
            var result = await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                return true;
            }
            if (result is not { Outcome: StorageOutcome.NotFound, FailedIndex: { } gone })
            {
                logger.LogWarning("Purging expired message {MessageId} of {SwarmId} failed at operation {Index} ({Outcome}); the next run retries",
                    expiry.MessageId, expiry.SwarmId, result.FailedIndex, result.Outcome);
                return false;
            }
            keys.RemoveAt(gone);
        }
        return true;
    }
}
