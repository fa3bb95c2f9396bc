using System.CommandLine;
using Coordination.Cli.Infrastructure;
using Coordination.Core.Common;
using Coordination.Core.Tasks;
using TaskStatus = Coordination.Core.Tasks.TaskStatus;

namespace Coordination.Cli.Commands;

/// <summary>
/// <c>coordctl work …</c>: the task queue. Creating, listing and administration are here; the lease verbs (claim,
/// renew, release, complete, fail) are in <see cref="LeaseCommands"/>, bulk creation in <see cref="BulkCreate"/>.
/// </summary>
internal static class WorkCommands
{
    public static Command Build() => Verb.Group("work", "The task queue: create, claim under a lease, settle, list.",
        Create(), BulkCreate.Build(), LeaseCommands.Claim(), LeaseCommands.Renew(), LeaseCommands.Release(), LeaseCommands.Complete(),
        LeaseCommands.Fail(), List(), Stats(), Events(), Recover());

    private static Command Create()
    {
        var type = new Option<string>("--type") { Description = "The task's type (claimers filter by it).", Required = true };
        var title = new Option<string>("--title") { Description = "A short title.", Required = true };
        var description = new Option<string?>("--description") { Description = "A longer description." };
        var payload = new Option<string?>("--payload") { Description = "Any JSON, as text or @file." };
        var priority = new Option<string?>("--priority") { Description = "0–9 or low, normal, high, critical (higher is claimed first)." };
        var dependencies = new Option<string[]?>("--dependencies") { Description = "Task ids that must complete first (comma-separated or repeated).", AllowMultipleArgumentsPerToken = true };
        var assignedTo = new Option<string?>("--assigned-to") { Description = "Only this agent may claim it." };
        var maxAttempts = new Option<int?>("--max-attempts") { Description = "Claims before the task is dead-lettered." };
        var notBefore = new Option<DateTimeOffset?>("--not-before") { Description = "Not claimable before this time (ISO 8601)." };
        var idempotencyKey = new Option<string?>("--idempotency-key") { Description = "Repeat a create safely: the same key returns the original task." };
        return Verb.Create("create", "Creates a task.", async (cli, ct) =>
        {
            using var client = cli.SwarmClient();
            var request = new CreateTaskRequest(cli.Get(type)!, cli.Get(title)!, cli.Get(description), JsonInput.ParseOptional(cli.Get(payload), "--payload"),
                JsonInput.Priority(cli.Get(priority)), JsonInput.List(cli.Get(dependencies)), cli.Get(assignedTo), cli.Get(maxAttempts), cli.Get(notBefore));
            var task = await client.Tasks.CreateAsync(request, cli.Get(idempotencyKey), ct);
            cli.Output.Show(task, () => ShowTask(cli.Output, task));
            return ExitCodes.Ok;
        }, type, title, description, payload, priority, dependencies, assignedTo, maxAttempts, notBefore, idempotencyKey);
    }

    private static Command List()
    {
        var status = new Option<string?>("--status") { Description = "pending, blocked, claimed, completed, failed, dead_lettered or cancelled." };
        var type = new Option<string?>("--type") { Description = "Only this type." };
        var assignedTo = new Option<string?>("--assigned-to") { Description = "Only tasks assigned to this agent." };
        var owner = new Option<string?>("--owner") { Description = "Only tasks leased to this agent." };
        var limit = new Option<int?>("--limit") { Description = "Page size." };
        var cursor = new Option<string?>("--cursor") { Description = "A previous page's nextCursor." };
        return Verb.Create("list", "Lists tasks, one page (pass --cursor for the next).", async (cli, ct) =>
        {
            using var client = cli.SwarmClient();
            var page = await client.Tasks.ListAsync(ParseStatus(cli.Get(status)), cli.Get(type), cli.Get(assignedTo), cli.Get(owner), cli.Get(limit), cli.Get(cursor), ct);
            cli.Output.Show(page, () =>
            {
                TaskTable(cli.Output, page.Items);
                if (page.HasMore)
                {
                    Output.Note($"more: --cursor {page.NextCursor}");
                }
            });
            return ExitCodes.Ok;
        }, status, type, assignedTo, owner, limit, cursor);
    }

    private static Command Stats() => Verb.Create("stats", "Counts tasks per status.", async (cli, ct) =>
    {
        using var client = cli.SwarmClient();
        var stats = await client.Tasks.StatsAsync(ct);
        cli.Output.Show(stats, () => cli.Output.Table(["pending", "blocked", "claimed", "completed", "failed", "dead_lettered", "cancelled", "total"],
            [[stats.Pending, stats.Blocked, stats.Claimed, stats.Completed, stats.Failed, stats.DeadLettered, stats.Cancelled, stats.Total]]));
        return ExitCodes.Ok;
    });

    private static Command Events()
    {
        var since = new Option<DateTimeOffset?>("--since") { Description = "Only events at or after this time." };
        var cursor = new Option<string?>("--cursor") { Description = "Only events after this sequence (a page's nextCursor)." };
        var limit = new Option<int?>("--limit") { Description = "Page size." };
        return Verb.Create("events", "Lists the task events (task.*) of the log.", async (cli, ct) =>
        {
            using var client = cli.SwarmClient();
            var page = await client.Tasks.EventsAsync(cli.Get(since), cli.Get(cursor), cli.Get(limit), ct);
            cli.Output.Show(page, () => EventCommands.EventTable(cli.Output, page));
            return ExitCodes.Ok;
        }, since, cursor, limit);
    }

    private static Command Recover()
    {
        var threshold = new Option<int?>("--stuck-threshold-minutes") { Description = "Tasks claimed for longer than this go back to the queue (default 60)." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Only list the tasks that would be recovered." };
        return Verb.Create("recover", "Returns stuck claimed tasks to the queue (coordinator).", async (cli, ct) =>
        {
            using var client = cli.SwarmClient();
            var recovered = await client.Tasks.RecoverAsync(new RecoverTasksRequest(cli.Get(threshold) ?? 60, cli.Get(dryRun)), ct);
            cli.Output.Show(recovered, () => cli.Output.Table([recovered.DryRun ? "would recover" : "recovered"], recovered.Tasks.Select(t => new object?[] { t })));
            return ExitCodes.Ok;
        }, threshold, dryRun);
    }

    public static void TaskTable(Output output, IEnumerable<TaskView> tasks) =>
        output.Table(["task", "type", "title", "status", "priority", "owner", "attempts", "updated"],
            tasks.Select(t => new object?[] { t.TaskId, t.Type, t.Title, t.Status, t.Priority, t.Owner, $"{t.Attempts}/{t.MaxAttempts}", t.UpdatedAt }));

    public static void ShowTask(Output output, TaskView task) => output.Record(
        ("task", task.TaskId), ("type", task.Type), ("title", task.Title), ("status", task.Status), ("priority", task.Priority),
        ("owner", task.Owner), ("assigned to", task.AssignedTo), ("attempts", $"{task.Attempts}/{task.MaxAttempts}"),
        ("lease", task.LeaseId), ("fencing token", task.FencingToken), ("lease expires", task.LeaseExpiresAt),
        ("blocked by", task.BlockedBy), ("result", task.Result), ("last error", task.LastError), ("updated", task.UpdatedAt));

    private static TaskStatus? ParseStatus(string? status) => status switch
    {
        null => null,
        _ when WireJson.TryParseName<TaskStatus>(status, out var parsed) => parsed,
        _ => throw CliFailure.Usage($"--status must be one of pending, blocked, claimed, completed, failed, dead_lettered, cancelled; got '{status}'"),
    };
}
