using System.ComponentModel;
using System.Globalization;
using Coordination.Core.Common;
using Coordination.Client;
using Coordination.Core.Presence;
using Coordination.Core.Swarms;
using Coordination.Core.Tasks;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using TaskStatus = Coordination.Core.Tasks.TaskStatus;

namespace Coordination.Mcp.Tools;

/// <summary>The two calls an agent's loop is made of: start (or resume) a session, and take the next piece of work.</summary>
[McpServerToolType]
public sealed class WorkflowTools(CoordinationSession session)
{
    private static readonly TaskStatus[] OpenStatuses = [TaskStatus.Pending, TaskStatus.Blocked, TaskStatus.Claimed];

    /// <summary>Joins or resumes, heartbeats, and gathers what is waiting.</summary>
    [McpServerTool(Name = "start_session", Title = "Start or resume work in a swarm")]
    [Description("Call this first. With joinCode, joins (or rejoins as agentId) the swarm; without, resumes as the current credential. Then " +
                 "reports you online (heartbeat, with your capabilities) and returns in one result: who you are, the swarm and its members, " +
                 "your pending messages, and the open tasks assigned to or held by you. Then call work_next to take work.")]
    public async Task<CallToolResult> StartAsync(
        [Description("A join code or coordinator code, to join; omit to resume with the current credential.")] string? joinCode = null,
        [Description("When joining: worker, observer or coordinator (default worker).")] string role = "worker",
        [Description("When joining: the swarm id, if the code alone is ambiguous.")] string? swarmId = null,
        [Description("When joining: your stable agent id (reuse it to rejoin as yourself).")] string? agentId = null,
        [Description("When joining: a display name.")] string? name = null,
        [Description("What you can do, e.g. [\"python\", \"review\"]; reported with the heartbeat.")] string[]? capabilities = null,
        [Description("online, busy or away (default online).")] string status = "online",
        CancellationToken cancellationToken = default)
    {
        AgentCredentials? joined = null;
        string? sessionNote = null;
        var client = session.Client;
        CoordinationClient? borrowed = null;
        try
        {
            if (joinCode is not null)
            {
                joined = await client.Swarms.JoinAsync(new JoinSwarmRequest(joinCode, SwarmTools.ParseRole(role), swarmId, agentId ?? session.AgentId, name, capabilities),
                    cancellationToken);
                sessionNote = new SwarmTools(session).AdoptOrAdvise(joined);
                client = session.AdoptsCredentials ? session.Client : borrowed = client.WithCredentials(joined);
            }
            else
            {
                client = session.SwarmClient;
            }
            var me = await HeartbeatAsync(client, status, capabilities, cancellationToken);
            var myId = me?.AgentId ?? joined?.AgentId ?? session.AgentId;
            var catchUp = await client.Messages.CatchUpAsync(20, cancellationToken);
            var myTasks = myId is null ? null : await OpenTasksOfAsync(client, myId, cancellationToken);
            return ToolResults.Json(new
            {
                Agent = me is not null ? (object)me : new { AgentId = myId, Heartbeat = "skipped: observers cannot report presence" },
                Credentials = joined,
                Session = sessionNote,
                catchUp.Swarm,
                catchUp.Members,
                PendingMessages = catchUp.Messages,
                MoreMessages = catchUp.HasMore,
                MyTasks = myTasks,
                catchUp.LastSequence,
                Next = "Call work_next to claim a task; read the rest of your inbox with messages_read; acknowledge messages with message_ack.",
            });
        }
        finally
        {
            borrowed?.Dispose();
        }
    }

    /// <summary>Claims one task with what is needed to do it.</summary>
    [McpServerTool(Name = "work_next", Title = "Take the next task")]
    [Description("Claims the next ready task (waiting up to wait seconds for one) and returns it with its lease and the results of the tasks " +
                 "it depends on, so you can start at once. Do the work, then call task_complete (or task_fail / task_unclaim) with its " +
                 "taskId and leaseId before leaseExpiresAt. Returns {task: null} when nothing was ready in time.")]
    public async Task<CallToolResult> NextAsync(
        [Description("Only tasks of these types (default any).")] string[]? types = null,
        [Description("Lease length in seconds (5–3600, default 300).")] int leaseSeconds = 300,
        [Description("Seconds to wait for a task when none is ready (0–60, default 20).")] int wait = 20,
        CancellationToken cancellationToken = default)
    {
        var client = session.SwarmClient;
        var claimed = await client.Tasks.ClaimAsync(new ClaimTasksRequest(types, 1, leaseSeconds, wait), cancellationToken);
        if (claimed.Items is not [var task, ..])
        {
            return ToolResults.Json(new { Task = (TaskView?)null, Next = $"No task was ready within {wait} s: call work_next again later, or see task_stats." });
        }
        var dependencies = await Task.WhenAll(task.Dependencies.Select(async id =>
        {
            var dependency = await client.Tasks.GetAsync(id, cancellationToken);
            return new { dependency.TaskId, dependency.Type, dependency.Title, dependency.Status, dependency.Result };
        }));
        return ToolResults.Json(new
        {
            Task = task,
            Dependencies = dependencies,
            Next = $"Work on it, then call task_complete with taskId '{task.TaskId}' and leaseId '{task.LeaseId}' before {task.LeaseExpiresAt?.UtcDateTime.ToString(UtcTimeConverter.Format, CultureInfo.InvariantCulture)}.",
        });
    }

    /// <summary>The heartbeat, or null for an observer (who may not write presence).</summary>
    private static async Task<MemberView?> HeartbeatAsync(CoordinationClient client, string status, string[]? capabilities, CancellationToken ct)
    {
        try
        {
            return await client.Agents.HeartbeatAsync(new HeartbeatRequest(status, capabilities), ct);
        }
        catch (CoordinationProblemException problem) when (problem.Code == "forbidden_role")
        {
            return null;
        }
    }

    /// <summary>Tasks assigned to the agent that are not finished, and tasks it holds now (assigned or not), each once.</summary>
    private static async Task<IReadOnlyList<TaskView>> OpenTasksOfAsync(CoordinationClient client, string agentId, CancellationToken ct)
    {
        var assigned = client.Tasks.ListAsync(assignedTo: agentId, limit: 100, ct: ct);
        var held = client.Tasks.ListAsync(TaskStatus.Claimed, owner: agentId, limit: 100, ct: ct);
        return (await assigned).Items.Where(t => OpenStatuses.Contains(t.Status))
            .Concat((await held).Items)
            .DistinctBy(t => t.TaskId)
            .ToList();
    }
}
