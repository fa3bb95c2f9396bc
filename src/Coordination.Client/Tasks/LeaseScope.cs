using System.Text.Json;
using Coordination.Client.Common;
using Coordination.Core.Tasks;

namespace Coordination.Client.Tasks;

/// <summary>
/// A claimed task whose lease renews in the background (every third of its length) until it is settled.
/// Settle it with <see cref="CompleteAsync"/>, <see cref="FailAsync"/> or <see cref="ReleaseAsync"/>; disposing an
/// unsettled scope releases the task back to the queue. If a renewal is refused (another agent took the task after the
/// lease lapsed), <see cref="Lost"/> is cancelled: stop working on the task, its result would be refused.
/// </summary>
public sealed class LeaseScope : IAsyncDisposable
{
    private readonly TasksClient _tasks;
    private readonly BackgroundRenewal _renewal;

    internal LeaseScope(TasksClient tasks, TaskView task, TimeSpan lease)
    {
        _tasks = tasks;
        Task = task;
        var leaseSeconds = (int)Math.Ceiling(lease.TotalSeconds);
        _renewal = new BackgroundRenewal(lease, async ct =>
            Task = await _tasks.RenewAsync(task.TaskId, new RenewTaskRequest(LeaseId, FencingToken, leaseSeconds), ct).ConfigureAwait(false));
    }

    /// <summary>The task as last seen (after the claim, or the latest renewal).</summary>
    public TaskView Task { get; private set; }

    /// <summary>The task's id.</summary>
    public string TaskId => Task.TaskId;

    /// <summary>The lease's id.</summary>
    public string? LeaseId => Task.LeaseId;

    /// <summary>The fencing token of this lease: pass it to anything the work writes, so a stale holder's writes are refused.</summary>
    public long? FencingToken => Task.FencingToken;

    /// <summary>Cancelled when the lease was lost.</summary>
    public CancellationToken Lost => _renewal.Lost;

    /// <summary>Why the lease was lost, once it was.</summary>
    public Exception? LostBecause => _renewal.LostBecause;

    /// <summary>Successful background renewals so far.</summary>
    public int Renewals => _renewal.Renewals;

    /// <summary>True once completed, failed or released.</summary>
    public bool IsSettled { get; private set; }

    /// <summary>Completes the task with <paramref name="result"/>.</summary>
    /// <param name="result">Any JSON.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<TaskView> CompleteAsync(JsonElement? result = null, CancellationToken ct = default) =>
        SettleAsync(ct2 => _tasks.CompleteAsync(TaskId, new CompleteTaskRequest(LeaseId, FencingToken, result), ct2), ct);

    /// <summary>Fails the task; a retryable failure returns it to the queue while attempts remain.</summary>
    /// <param name="error">What went wrong.</param>
    /// <param name="retryable">Whether another attempt may succeed.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<TaskView> FailAsync(string error, bool retryable = true, CancellationToken ct = default) =>
        SettleAsync(ct2 => _tasks.FailAsync(TaskId, new FailTaskRequest(LeaseId, FencingToken, error, retryable), ct2), ct);

    /// <summary>Returns the task to the queue unfinished (its claim still counts as an attempt).</summary>
    /// <param name="reason">Why, for the log.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<TaskView> ReleaseAsync(string? reason = null, CancellationToken ct = default) =>
        SettleAsync(ct2 => _tasks.ReleaseAsync(TaskId, new ReleaseTaskRequest(LeaseId, FencingToken, reason), ct2), ct);

    /// <summary>Stops renewing; an unsettled lease that was not lost is released (a refusal is ignored: it lapses anyway).</summary>
    public async ValueTask DisposeAsync()
    {
        await _renewal.StopAsync().ConfigureAwait(false);
        if (!IsSettled && !Lost.IsCancellationRequested)
        {
            try
            {
                await ReleaseAsync("the lease scope was disposed unsettled").ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is CoordinationProblemException or HttpRequestException)
            {
                // The lease lapses by itself at its expiry.
            }
        }
    }

    private async Task<TaskView> SettleAsync(Func<CancellationToken, Task<TaskView>> settle, CancellationToken ct)
    {
        if (IsSettled)
        {
            throw new InvalidOperationException($"The lease of {TaskId} is already settled.");
        }
        await _renewal.StopAsync().ConfigureAwait(false);
        Task = await settle(ct).ConfigureAwait(false);
        IsSettled = true;
        return Task;
    }
}
