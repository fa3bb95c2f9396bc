using Coordination.Client.Http;
using Coordination.Core.Common;
using Coordination.Core.Events;
using Coordination.Core.Tasks;
using TaskStatus = Coordination.Core.Tasks.TaskStatus;

namespace Coordination.Client.Tasks;

/// <summary>The swarm's task queue: creation, claims with fenced leases, settlement, listing and administration.</summary>
public sealed class TasksClient
{
    private readonly ApiTransport _api;

    internal TasksClient(ApiTransport api) => _api = api;

    private string Tasks => _api.SwarmPath() + "/tasks";

    private string Task(string taskId) => Tasks + "/" + ApiTransport.Segment(taskId);

    /// <summary>
    /// Creates a task. The call carries an idempotency key (<paramref name="idempotencyKey"/>, else the request's, else a
    /// new one), so a retry after a lost answer returns the original task instead of creating a second.
    /// </summary>
    /// <param name="request">The task.</param>
    /// <param name="idempotencyKey">The key a repeat must reuse; generated when null.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<TaskView> CreateAsync(CreateTaskRequest request, string? idempotencyKey = null, CancellationToken ct = default) =>
        _api.SendAsync<TaskView>(HttpMethod.Post, Tasks, request, ct, idempotencyKey ?? request.IdempotencyKey ?? NewKey());

    /// <summary>Creates up to 100 tasks at once, all or none, under one idempotency key (generated when null).</summary>
    /// <param name="tasks">The tasks, in order.</param>
    /// <param name="idempotencyKey">The key a repeat must reuse; generated when null.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<CreatedTasks> CreateBulkAsync(IReadOnlyList<CreateTaskRequest> tasks, string? idempotencyKey = null, CancellationToken ct = default) =>
        _api.SendAsync<CreatedTasks>(HttpMethod.Post, Tasks + "/bulk", new BulkCreateTasksRequest(tasks), ct, idempotencyKey ?? NewKey());

    /// <summary>Claims up to <c>Count</c> ready tasks, each under a lease; with <c>Wait</c>, long-polls until one is ready.</summary>
    /// <param name="request">Types, count, lease length and wait.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<ClaimedTasks> ClaimAsync(ClaimTasksRequest request, CancellationToken ct = default) =>
        _api.SendAsync<ClaimedTasks>(HttpMethod.Post, Tasks + "/claim", request, ct);

    /// <summary>Lists tasks, newest first, filtered by state, type, assignee or owner.</summary>
    /// <param name="status">Only tasks in this state.</param>
    /// <param name="type">Only tasks of this type.</param>
    /// <param name="assignedTo">Only tasks assigned to this agent.</param>
    /// <param name="owner">Only tasks leased to this agent.</param>
    /// <param name="limit">Page size.</param>
    /// <param name="cursor">A previous page's <c>nextCursor</c>.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<ListPage<TaskView>> ListAsync(TaskStatus? status = null, string? type = null, string? assignedTo = null, string? owner = null,
        int? limit = null, string? cursor = null, CancellationToken ct = default) =>
        _api.SendAsync<ListPage<TaskView>>(HttpMethod.Get, ApiTransport.WithQuery(Tasks,
            ("status", status is { } s ? WireJson.NameOf(s) : null), ("type", type), ("assignedTo", assignedTo), ("owner", owner), ("limit", limit), ("cursor", cursor)), null, ct);

    /// <summary>Counts the swarm's tasks per state.</summary>
    /// <param name="ct">Cancels the call.</param>
    public Task<TaskStats> StatsAsync(CancellationToken ct = default) => _api.SendAsync<TaskStats>(HttpMethod.Get, Tasks + "/stats", null, ct);

    /// <summary>All tasks (up to 1000) in one compact answer.</summary>
    /// <param name="ct">Cancels the call.</param>
    public Task<TaskSnapshot> SnapshotAsync(CancellationToken ct = default) => _api.SendAsync<TaskSnapshot>(HttpMethod.Get, Tasks + "/snapshot", null, ct);

    /// <summary>The task events of the log (<c>task.*</c>), after a cursor or since a time.</summary>
    /// <param name="since">Only events at or after this time.</param>
    /// <param name="cursor">A previous page's <c>nextCursor</c>.</param>
    /// <param name="limit">Page size.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<ListPage<SwarmEvent>> EventsAsync(DateTimeOffset? since = null, string? cursor = null, int? limit = null, CancellationToken ct = default) =>
        _api.SendAsync<ListPage<SwarmEvent>>(HttpMethod.Get, ApiTransport.WithQuery(Tasks + "/events", ("since", since), ("cursor", cursor), ("limit", limit)), null, ct);

    /// <summary>Returns tasks claimed for longer than a threshold to the queue (coordinator); <c>DryRun</c> only lists them.</summary>
    /// <param name="request">Threshold and dry run.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<RecoveredTasks> RecoverAsync(RecoverTasksRequest request, CancellationToken ct = default) =>
        _api.SendAsync<RecoveredTasks>(HttpMethod.Post, Tasks + "/recover", request, ct);

    /// <summary>Reads a task.</summary>
    /// <param name="taskId">The task.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<TaskView> GetAsync(string taskId, CancellationToken ct = default) => _api.SendAsync<TaskView>(HttpMethod.Get, Task(taskId), null, ct);

    /// <summary>Edits a task's title, description or priority, or cancels it (coordinator).</summary>
    /// <param name="taskId">The task.</param>
    /// <param name="request">The fields to change.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<TaskView> UpdateAsync(string taskId, UpdateTaskRequest request, CancellationToken ct = default) =>
        _api.SendAsync<TaskView>(HttpMethod.Patch, Task(taskId), request, ct);

    /// <summary>Deletes a task that is not leased (<paramref name="force"/>: a coordinator deletes a leased one too).</summary>
    /// <param name="taskId">The task.</param>
    /// <param name="force">Delete even while leased.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task DeleteAsync(string taskId, bool force = false, CancellationToken ct = default) =>
        _api.SendAsync(HttpMethod.Delete, ApiTransport.WithQuery(Task(taskId), ("force", force ? true : null)), null, ct);

    /// <summary>Extends the caller's lease.</summary>
    /// <param name="taskId">The task.</param>
    /// <param name="request">The lease id and fencing token, and the new length.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<TaskView> RenewAsync(string taskId, RenewTaskRequest request, CancellationToken ct = default) =>
        _api.SendAsync<TaskView>(HttpMethod.Post, Task(taskId) + "/renew", request, ct);

    /// <summary>Gives the task back to the queue unfinished (its claim still counts as an attempt).</summary>
    /// <param name="taskId">The task.</param>
    /// <param name="request">The lease and a reason.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<TaskView> ReleaseAsync(string taskId, ReleaseTaskRequest request, CancellationToken ct = default) =>
        _api.SendAsync<TaskView>(HttpMethod.Post, Task(taskId) + "/release", request, ct);

    /// <summary>Completes the task with a result.</summary>
    /// <param name="taskId">The task.</param>
    /// <param name="request">The lease and the result.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<TaskView> CompleteAsync(string taskId, CompleteTaskRequest request, CancellationToken ct = default) =>
        _api.SendAsync<TaskView>(HttpMethod.Post, Task(taskId) + "/complete", request, ct);

    /// <summary>Fails the task: retryable failures go back to the queue until the attempts run out.</summary>
    /// <param name="taskId">The task.</param>
    /// <param name="request">The lease, the error and whether to retry.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<TaskView> FailAsync(string taskId, FailTaskRequest request, CancellationToken ct = default) =>
        _api.SendAsync<TaskView>(HttpMethod.Post, Task(taskId) + "/fail", request, ct);

    /// <summary>Assigns the task to another agent, or to anyone with null (coordinator).</summary>
    /// <param name="taskId">The task.</param>
    /// <param name="request">The new assignee.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<TaskView> ReassignAsync(string taskId, ReassignTaskRequest request, CancellationToken ct = default) =>
        _api.SendAsync<TaskView>(HttpMethod.Post, Task(taskId) + "/reassign", request, ct);

    /// <summary>Puts a dead-lettered, failed or cancelled task back in the queue with fresh attempts.</summary>
    /// <param name="taskId">The task.</param>
    /// <param name="ct">Cancels the call.</param>
    public Task<TaskView> RequeueAsync(string taskId, CancellationToken ct = default) =>
        _api.SendAsync<TaskView>(HttpMethod.Post, Task(taskId) + "/requeue", null, ct);

    /// <summary>
    /// Claims one task (waiting up to <paramref name="wait"/> seconds for one) and returns it in a lease scope that
    /// renews the lease in the background; null when none was ready in time.
    /// </summary>
    /// <param name="types">Only these types (null: any).</param>
    /// <param name="leaseSeconds">The lease length; renewed at a third of it.</param>
    /// <param name="wait">Seconds to wait for a ready task (0–60).</param>
    /// <param name="ct">Cancels the claim.</param>
    public async Task<LeaseScope?> LeaseAsync(IReadOnlyList<string>? types = null, int leaseSeconds = 60, int wait = 0, CancellationToken ct = default)
    {
        var claimed = await ClaimAsync(new ClaimTasksRequest(types, 1, leaseSeconds, wait), ct).ConfigureAwait(false);
        return claimed.Items is [var task, ..] ? new LeaseScope(this, task, TimeSpan.FromSeconds(leaseSeconds)) : null;
    }

    /// <summary>
    /// The worker loop: claims tasks one at a time (long-polling <paramref name="wait"/> seconds) and runs
    /// <paramref name="handler"/> on each inside a renewing lease. A handler that returns without settling the lease
    /// completes the task; one that throws fails it as retryable with the exception's message. Runs until
    /// <paramref name="ct"/> is cancelled, then returns how many tasks it handled.
    /// </summary>
    /// <param name="handler">The work; settle with <see cref="LeaseScope.CompleteAsync"/> to give a result.</param>
    /// <param name="types">Only these types (null: any).</param>
    /// <param name="leaseSeconds">The lease length.</param>
    /// <param name="wait">Seconds each claim waits for a ready task (1–60).</param>
    /// <param name="ct">Stops the loop.</param>
    public async Task<int> RunWorkerAsync(Func<LeaseScope, CancellationToken, Task> handler, IReadOnlyList<string>? types = null,
        int leaseSeconds = 60, int wait = 20, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var handled = 0;
        while (!ct.IsCancellationRequested)
        {
            LeaseScope? lease;
            try
            {
                lease = await LeaseAsync(types, leaseSeconds, wait, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            if (lease is null)
            {
                continue;
            }
            await using (lease.ConfigureAwait(false))
            {
                using var working = CancellationTokenSource.CreateLinkedTokenSource(ct, lease.Lost);
                try
                {
                    await handler(lease, working.Token).ConfigureAwait(false);
                    if (!lease.IsSettled)
                    {
                        // The work is done: a stop requested meanwhile must not throw its result away.
                        await lease.CompleteAsync(null, CancellationToken.None).ConfigureAwait(false);
                    }
                }
                catch (Exception) when (lease.Lost.IsCancellationRequested)
                {
                    // The lease was lost (another agent may hold the task now): nothing of ours to settle.
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    // Stopping: the scope releases the task.
                }
                catch (Exception ex) when (!lease.IsSettled)
                {
                    // Any other failure of the work (its own timeouts included) fails the task, and the loop goes on.
                    await FailQuietlyAsync(lease, ex.Message).ConfigureAwait(false);
                }
            }
            handled++;
        }
        return handled;
    }

    private static async Task FailQuietlyAsync(LeaseScope lease, string error)
    {
        try
        {
            await lease.FailAsync(error, retryable: true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (CoordinationProblemException)
        {
            // The lease is gone after all: the task returns to the queue at its expiry.
        }
    }

    private static string NewKey() => "idem_" + Guid.NewGuid().ToString("N");
}
