using System.CommandLine;
using Coordination.Cli.Configuration;
using Coordination.Cli.Infrastructure;
using Coordination.Client;
using Coordination.Core.Tasks;

namespace Coordination.Cli.Commands;

/// <summary>
/// <c>coordctl work claim|renew|release|complete|fail</c>. A claim prints each task's lease id and fencing token and
/// remembers them (<see cref="LeaseMemory"/>), so the settle verbs need only the task id in the same profile;
/// <c>--lease-id</c>/<c>--fencing-token</c> override the remembered lease (another shell, another machine).
/// </summary>
internal static class LeaseCommands
{
    public static Command Claim()
    {
        var types = new Option<string[]?>("--type") { Description = "Only these types (comma-separated or repeated).", AllowMultipleArgumentsPerToken = true };
        var count = new Option<int?>("--count") { Description = "How many tasks (1–10, default 1)." };
        var leaseSeconds = new Option<int?>("--lease-seconds") { Description = "Lease length (5–3600, default 300)." };
        var wait = new Option<int?>("--wait") { Description = "Seconds to wait for a ready task (0–60, default 0)." };
        return Verb.Create("claim", "Claims ready tasks under a lease; prints and remembers each lease id and fencing token.", async (cli, ct) =>
        {
            using var client = cli.SwarmClient();
            var claimed = await client.Tasks.ClaimAsync(new ClaimTasksRequest(JsonInput.List(cli.Get(types)), cli.Get(count) ?? 1,
                cli.Get(leaseSeconds) ?? 300, cli.Get(wait) ?? 0), ct);
            cli.Leases.Remember(client.SwarmId!, claimed.Items.Where(t => t.LeaseId is not null).Select(t => (t.TaskId, new RememberedLease(t.LeaseId!, t.FencingToken))));
            cli.Output.Show(claimed, () => cli.Output.Table(["task", "type", "title", "lease", "fencing token", "lease expires"],
                claimed.Items.Select(t => new object?[] { t.TaskId, t.Type, t.Title, t.LeaseId, t.FencingToken, t.LeaseExpiresAt }), "no task was ready"));
            return ExitCodes.Ok;
        }, types, count, leaseSeconds, wait);
    }

    public static Command Renew()
    {
        var lease = new LeaseOptions();
        var leaseSeconds = new Option<int?>("--lease-seconds") { Description = "The new lease length (default: the claim's)." };
        return lease.Verb("renew", "Extends your lease on a task.", (client, taskId, held, cli, ct) =>
            client.Tasks.RenewAsync(taskId, new RenewTaskRequest(held?.LeaseId, held?.FencingToken, cli.Get(leaseSeconds)), ct), settles: false, leaseSeconds);
    }

    public static Command Release()
    {
        var lease = new LeaseOptions();
        var reason = new Option<string?>("--reason") { Description = "Why the task goes back to the queue." };
        return lease.Verb("release", "Gives a task back to the queue (its claim still counts as an attempt).", (client, taskId, held, cli, ct) =>
            client.Tasks.ReleaseAsync(taskId, new ReleaseTaskRequest(held?.LeaseId, held?.FencingToken, cli.Get(reason), cli.Get(lease.Force)), ct), settles: true, reason);
    }

    public static Command Complete()
    {
        var lease = new LeaseOptions();
        var result = new Option<string?>("--result") { Description = "The result: any JSON, as text or @file." };
        return lease.Verb("complete", "Completes a task with a result.", (client, taskId, held, cli, ct) =>
            client.Tasks.CompleteAsync(taskId, new CompleteTaskRequest(held?.LeaseId, held?.FencingToken, JsonInput.ParseOptional(cli.Get(result), "--result"),
                cli.Get(lease.Force)), ct), settles: true, result);
    }

    public static Command Fail()
    {
        var lease = new LeaseOptions();
        var error = new Option<string?>("--error") { Description = "What went wrong." };
        var retryable = new Option<bool>("--retryable") { Description = "Retry while attempts remain (default true; --retryable false fails for good).", DefaultValueFactory = _ => true };
        return lease.Verb("fail", "Fails a task: retryable failures go back to the queue until attempts run out.", (client, taskId, held, cli, ct) =>
            client.Tasks.FailAsync(taskId, new FailTaskRequest(held?.LeaseId, held?.FencingToken, cli.Get(error), cli.Get(retryable), cli.Get(lease.Force)), ct),
            settles: true, error, retryable);
    }

    /// <summary>The task id and lease options every settle verb shares, and how they pick the lease.</summary>
    private sealed class LeaseOptions
    {
        public readonly Argument<string> TaskId = new("task-id") { Description = "The task." };
        public readonly Option<string?> LeaseId = new("--lease-id") { Description = "The lease 'work claim' printed (default: the remembered one)." };
        public readonly Option<long?> FencingToken = new("--fencing-token") { Description = "The lease's fencing token (default: the remembered one)." };
        public readonly Option<bool> Force = new("--force") { Description = "Coordinator: settle without holding the lease." };

        public Command Verb(string name, string description, Func<CoordinationClient, string, RememberedLease?, CliContext, CancellationToken, Task<TaskView>> call,
            bool settles, params Symbol[] more) =>
            Infrastructure.Verb.Create(name, description, async (cli, ct) =>
            {
                using var client = cli.SwarmClient();
                var taskId = cli.Get(TaskId)!;
                var force = settles && cli.Get(Force);
                // A forced settle (coordinator) needs no lease; otherwise the flags' lease, else the remembered one.
                var held = force && cli.Get(LeaseId) is null ? null : cli.Leases.Resolve(client.SwarmId!, taskId, cli.Get(LeaseId), cli.Get(FencingToken));
                TaskView task;
                try
                {
                    task = await call(client, taskId, held, cli, ct);
                }
                catch (CoordinationProblemException problem) when (problem.Code == "lease_lost" && settles)
                {
                    // The lease is gone for good: remembering it would only repeat the conflict.
                    cli.Leases.Forget(client.SwarmId!, taskId);
                    throw;
                }
                if (settles)
                {
                    cli.Leases.Forget(client.SwarmId!, taskId);
                }
                else if (task.LeaseId is not null)
                {
                    cli.Leases.Remember(client.SwarmId!, [(taskId, new RememberedLease(task.LeaseId, task.FencingToken))]);
                }
                cli.Output.Show(task, () => WorkCommands.ShowTask(cli.Output, task));
                return ExitCodes.Ok;
            }, [TaskId, LeaseId, FencingToken, .. settles ? new Symbol[] { Force } : [], .. more]);
    }
}
