using System.Globalization;
using System.Text.Json.Nodes;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Clients.Cli;

/// <summary>Agents as a user makes them: <c>coordctl swarm join</c> writes each one's own profile, which its later calls use.</summary>
internal static class CliAgents
{
    /// <summary>Joins <paramref name="swarm"/> as <paramref name="agentId"/> with coordctl (a coordinator with the coordinator code).</summary>
    public static async Task<Coordctl> JoinWithCliAsync(this RunningApp app, TestSwarm swarm, string agentId, string role = "worker")
    {
        var code = role == "coordinator" ? await app.CoordinatorCodeAsync(swarm) : swarm.JoinCode;
        var cli = new Coordctl();
        var joined = await cli.RunAsync(["--url", app.BaseAddress.ToString(), "--swarm", swarm.SwarmId, "swarm", "join", code, "--agent-id", agentId, "--role", role]);
        Assert.True(joined.ExitCode == 0, joined.ToString());
        return cli;
    }

    /// <summary>Runs a verb that must succeed with <c>--json</c> and returns its document.</summary>
    public static async Task<JsonNode> JsonAsync(this Coordctl cli, params string[] args)
    {
        var result = await cli.RunAsync(["--json", .. args]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonNode.Parse(result.Stdout)!;
    }

    /// <summary>A time from a JSON document.</summary>
    public static DateTimeOffset Time(JsonNode? value) => DateTimeOffset.Parse((string)value!, CultureInfo.InvariantCulture);
}
