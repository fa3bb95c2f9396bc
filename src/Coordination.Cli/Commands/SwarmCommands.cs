using System.CommandLine;
using Coordination.Cli.Configuration;
using Coordination.Cli.Infrastructure;
using Coordination.Client;
using Coordination.Core.Identity;
using Coordination.Core.Swarms;

namespace Coordination.Cli.Commands;

/// <summary><c>coordctl swarm create|join|get|members|leave</c>.</summary>
internal static class SwarmCommands
{
    private static Option<bool> NoProfileOption() => new("--no-profile") { Description = "Do not save the credentials in the profile." };

    public static Command Build() => Verb.Group("swarm", "Create, join, read and leave swarms.",
        Create(), Join(), Get(), Members(), Leave());

    private static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The swarm's name." };
        var goal = new Option<string?>("--goal") { Description = "What the swarm is for." };
        var maxAgents = new Option<int?>("--max-agents") { Description = "Most members at once." };
        var coordinatorId = new Option<string?>("--coordinator-id") { Description = "The creator's agent id (default chosen by the service)." };
        var noProfile = NoProfileOption();
        return Verb.Create("create", "Creates a swarm with the tenant key (--token ck_…) and saves the creator's coordinator token in the profile.",
            async (cli, ct) =>
            {
                using var client = new CoordinationClient(cli.ClientOptions(withSwarm: false));
                var created = await client.Swarms.CreateAsync(new CreateSwarmRequest(cli.Get(name)!, cli.Get(goal), cli.Get(maxAgents), cli.Get(coordinatorId)), ct);
                if (!cli.Get(noProfile))
                {
                    Save(cli, client.BaseAddress, new AgentCredentials(created.SwarmId, created.AgentId, created.Role, created.Token, created.ExpiresAt));
                }
                cli.Output.Show(created, () => cli.Output.Record(
                    ("swarm", created.SwarmId), ("name", created.Swarm.Name), ("join code", created.JoinCode),
                    ("coordinator code", created.CoordinatorCode), ("agent", created.AgentId), ("role", created.Role), ("expires", created.ExpiresAt)));
                return ExitCodes.Ok;
            }, name, goal, maxAgents, coordinatorId, noProfile);
    }

    private static Command Join()
    {
        var code = new Argument<string>("join-code") { Description = "The join code (worker, observer) or coordinator code (any role)." };
        var role = new Option<string>("--role") { Description = "coordinator, worker or observer.", DefaultValueFactory = _ => "worker" };
        role.AcceptOnlyFromAmong("coordinator", "worker", "observer");
        var agentId = new Option<string?>("--agent-id") { Description = "Your agent id (rejoining with your own id refreshes your token)." };
        var displayName = new Option<string?>("--name") { Description = "A display name." };
        var capabilities = new Option<string[]?>("--capabilities") { Description = "Capabilities, comma-separated or repeated.", AllowMultipleArgumentsPerToken = true };
        var noProfile = NoProfileOption();
        return Verb.Create("join", "Joins a swarm with a code and saves the agent's token in the profile (0600).",
            async (cli, ct) =>
            {
                // Joining needs no credential: a token left in the environment or profile must not go along.
                var options = cli.ClientOptions(withSwarm: false);
                options.Token = null;
                using var client = new CoordinationClient(options);
                var joined = await client.Swarms.JoinAsync(new JoinSwarmRequest(cli.Get(code)!, ParseRole(cli.Get(role)!), cli.SwarmId,
                    cli.Get(agentId), cli.Get(displayName), JsonInput.List(cli.Get(capabilities))), ct);
                if (!cli.Get(noProfile))
                {
                    Save(cli, client.BaseAddress, joined);
                }
                cli.Output.Show(joined, () => cli.Output.Record(
                    ("swarm", joined.SwarmId), ("agent", joined.AgentId), ("role", joined.Role), ("expires", joined.ExpiresAt)));
                return ExitCodes.Ok;
            }, code, role, agentId, displayName, capabilities, noProfile);
    }

    private static Command Get() => Verb.Create("get", "Shows the swarm (with its codes, for coordinators).", async (cli, ct) =>
    {
        using var client = cli.SwarmClient();
        var swarm = await client.Swarms.GetAsync(ct: ct);
        cli.Output.Show(swarm, () => cli.Output.Record(
            ("swarm", swarm.SwarmId), ("name", swarm.Name), ("goal", swarm.Goal), ("status", swarm.Status), ("members", $"{swarm.MemberCount}/{swarm.MaxAgents}"),
            ("join code", swarm.JoinCode), ("coordinator code", swarm.CoordinatorCode), ("created", swarm.CreatedAt), ("created by", swarm.CreatedBy)));
        return ExitCodes.Ok;
    });

    private static Command Members() => Verb.Create("members", "Lists the swarm's members.", async (cli, ct) =>
    {
        using var client = cli.SwarmClient();
        var members = await client.Swarms.ListMembersAsync(ct);
        cli.Output.Show(members, () => cli.Output.Table(["agent", "name", "role", "status", "online", "capabilities", "last seen"],
            members.Items.Select(m => new object?[] { m.AgentId, m.Name, m.Role, m.Status, m.Online, m.Capabilities, m.LastSeen })));
        return ExitCodes.Ok;
    });

    private static Command Leave()
    {
        var agentId = new Option<string?>("--agent-id") { Description = "Your agent id (default: the profile's)." };
        return Verb.Create("leave", "Leaves the swarm (your leases and locks are returned) and deletes the profile.", async (cli, ct) =>
        {
            var self = cli.Get(agentId) ?? cli.Profile?.AgentId
                ?? throw CliFailure.Usage("no agent id: pass --agent-id (there is no profile to read it from)");
            using var client = cli.SwarmClient();
            await client.Swarms.RemoveMemberAsync(self, ct);
            // Only the profile of the membership that ended: leaving as someone else must not log this one out.
            if (cli.Profile is { } profile && profile.AgentId == self && profile.SwarmId == client.SwarmId)
            {
                cli.Profiles.Delete();
            }
            if (!cli.Output.Json)
            {
                Output.Note($"{self} left {client.SwarmId}");
            }
            return ExitCodes.Ok;
        }, agentId);
    }

    private static void Save(CliContext cli, Uri url, AgentCredentials credentials)
    {
        cli.Profiles.Save(new Profile(url.ToString(), credentials.SwarmId, credentials.AgentId, credentials.Role, credentials.Token, credentials.ExpiresAt));
        Output.Note($"profile saved to {cli.Profiles.Path}");
    }

    private static Role ParseRole(string role) => Enum.Parse<Role>(role, ignoreCase: true);
}
