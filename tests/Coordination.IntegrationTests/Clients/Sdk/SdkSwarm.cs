using Coordination.Client;
using Coordination.Core.Identity;
using Coordination.Core.Swarms;
using Coordination.IntegrationTests.Infrastructure;

namespace Coordination.IntegrationTests.Clients.Sdk;

/// <summary>A swarm set up through the SDK: the tenant's client, the creator's (coordinator) client, and helpers to add agents.</summary>
public sealed class SdkSwarm : IDisposable
{
    private readonly List<CoordinationClient> _clients = [];

    private SdkSwarm(CoordinationClient tenant, CreateSwarmResponse created)
    {
        Tenant = tenant;
        Created = created;
        Coordinator = Track(tenant.WithCredentials(created));
    }

    /// <summary>The tenant-key client (owns the connections).</summary>
    public CoordinationClient Tenant { get; }

    /// <summary>The creation's answer.</summary>
    public CreateSwarmResponse Created { get; }

    /// <summary>The creator's coordinator client.</summary>
    public CoordinationClient Coordinator { get; }

    /// <summary>The swarm id.</summary>
    public string SwarmId => Created.SwarmId;

    /// <summary>Creates a swarm through the SDK with the test tenant key.</summary>
    public static async Task<SdkSwarm> CreateAsync(RunningApp app, int maxAgents = 30, Action<CoordinationClientOptions>? configure = null)
    {
        var options = new CoordinationClientOptions { BaseAddress = app.BaseAddress, Token = RunningApp.TenantKey };
        configure?.Invoke(options);
        var tenant = new CoordinationClient(options);
        var created = await tenant.Swarms.CreateAsync(new CreateSwarmRequest("sdk swarm", "exercise the SDK", maxAgents));
        return new SdkSwarm(tenant, created);
    }

    /// <summary>Joins a new agent with the join code and returns its client.</summary>
    public async Task<CoordinationClient> JoinAsync(string agentId, Role role = Role.Worker, IReadOnlyList<string>? capabilities = null)
    {
        var code = role == Role.Coordinator ? Created.CoordinatorCode : Created.JoinCode;
        var credentials = await Tenant.Swarms.JoinAsync(new JoinSwarmRequest(code, role, SwarmId, agentId, Capabilities: capabilities));
        return Track(Tenant.WithCredentials(credentials));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
        Tenant.Dispose();
    }

    private CoordinationClient Track(CoordinationClient client)
    {
        _clients.Add(client);
        return client;
    }
}
