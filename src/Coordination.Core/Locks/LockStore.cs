using System.Runtime.CompilerServices;
using Coordination.Core.Common;
using Coordination.Core.Events;
using Coordination.Storage;
using Coordination.Storage.Tables;

namespace Coordination.Core.Locks;

/// <summary>
/// Reads the lock rows as typed rows and commits any <see cref="LockTransition"/>: its guard first, its other writes and its
/// events in one transaction; then the held-lock count, the sequencer and, when a lock was freed, one waiter hear of it.
/// </summary>
public sealed class LockStore(TableStore table, EventLog events, KeyedWaitQueue waiters, LockQuota quota)
{
    /// <summary>The lock row of <paramref name="resource"/>; null when it was never claimed.</summary>
    public async Task<LockRow?> ReadLockAsync(string swarmId, string resource, CancellationToken cancellationToken) =>
        await table.GetEntityAsync(swarmId, LockRows.LockKey(resource), cancellationToken: cancellationToken).ConfigureAwait(false) is { } entity
            ? LockRows.FromLock(entity)
            : null;

    /// <summary>The claim row; null when the claim no longer holds its lock (or the id could not be one).</summary>
    public async Task<LockClaimRow?> ReadClaimAsync(string swarmId, string claimId, CancellationToken cancellationToken) =>
        claimId.Length is > 0 and <= 64
        && await table.GetEntityAsync(swarmId, LockRows.ClaimKey(claimId), cancellationToken: cancellationToken).ConfigureAwait(false) is { } entity
            ? LockRows.FromClaim(entity)
            : null;

    /// <summary>Expiry index rows matching a filter of <see cref="LockRows"/>, in key (expiry) order.</summary>
    public async IAsyncEnumerable<LockExpiryRow> QueryExpiryAsync(string filter, int? maxPerPage, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entity in table.QueryAsync(filter, maxPerPage: maxPerPage, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            yield return LockRows.FromExpiry(entity);
        }
    }

    /// <summary>Commits a transition that changes something.</summary>
    /// <exception cref="StoredRowException">A write other than the guard failed: the rows disagree with each other.</exception>
    public async Task<LockCommitOutcome> CommitAsync(LockTransition transition, CancellationToken cancellationToken)
    {
        var guard = transition.Guard ?? throw new ArgumentException("A transition that changes nothing has nothing to commit.", nameof(transition));
        List<TableTransactionAction> actions = [guard, .. transition.Writes, .. transition.Events.Select(e => events.Append(transition.SwarmId, e))];
        var result = await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
        if (result.Succeeded)
        {
            quota.Adjust(transition.SwarmId, transition.HeldDelta);
            events.Committed(transition.SwarmId, actions);
            if (transition.HeldDelta < 0)
            {
                waiters.WakeOne(WaitKey(transition.SwarmId, transition.Resource));
            }
            return LockCommitOutcome.Committed;
        }
        // The service applies operations in order and reports the first that fails, so a changed guard is always what
        // is reported. Once the guard holds, every other row is as the guard's row says (each change of the rows
        // rewrites or deletes the guard's row in the same transaction): a failure there means the rows disagree, for
        // example while a swarm is being deleted batch by batch.
        return result.FailedIndex == 0
            ? result.Outcome == StorageOutcome.NotFound ? LockCommitOutcome.Gone : LockCommitOutcome.LostRace
            : throw new StoredRowException($"The rows of lock '{transition.Resource}' in swarm '{transition.SwarmId}' disagree: "
                + $"{actions[result.FailedIndex!.Value].ActionType} of '{actions[result.FailedIndex.Value].Entity.RowKey}' found {result.Outcome} although its guard held.");
    }

    /// <summary>The key waiters of one resource queue on, and claims of it pass the gate with.</summary>
    internal static string WaitKey(string swarmId, string resource) => swarmId + "\n" + resource;
}
