using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace Coordination.Core.Identity;

/// <summary>Per-tenant limits.</summary>
/// <param name="MaxSwarms">Active swarms the tenant may have.</param>
/// <param name="MaxAgentsPerSwarm">Upper bound for any swarm's maxAgents.</param>
/// <param name="MaxLocksPerSwarm">Locks held at once per swarm.</param>
/// <param name="MaxTasksPerSwarm">Tasks per swarm.</param>
/// <param name="MaxPayloadBytes">Largest JSON payload (event data, state value, task payload) in UTF-8 bytes.</param>
public sealed record TenantLimits(int MaxSwarms = 100, int MaxAgentsPerSwarm = 200, int MaxLocksPerSwarm = 1000, int MaxTasksPerSwarm = 100_000, int MaxPayloadBytes = 64 * 1024);

/// <summary>A tenant: its id, its limits, and the SHA-256 of each of its API keys (several, for rotation).</summary>
public sealed record Tenant(string Id, TenantLimits Limits, IReadOnlyList<byte[]> KeyHashes);

/// <summary>
/// The tenants configured under <c>Coordination:Tenants:{id}</c>: <c>Keys</c> (semicolon-separated API keys,
/// each starting <c>ck_</c>; list two while rotating) and optional limits (<c>MaxSwarms</c>, …).
/// </summary>
public sealed class TenantDirectory
{
    /// <summary>How every tenant key starts, which tells it apart from an agent token.</summary>
    public const string KeyPrefix = "ck_";

    private readonly IReadOnlyList<Tenant> _tenants;

    /// <summary>Builds the directory from tenants.</summary>
    public TenantDirectory(IReadOnlyList<Tenant> tenants) => _tenants = tenants;

    /// <summary>Every tenant.</summary>
    public IReadOnlyList<Tenant> Tenants => _tenants;

    /// <summary>Reads tenants from configuration.</summary>
    /// <exception cref="InvalidOperationException">A tenant is misconfigured.</exception>
    public static TenantDirectory FromConfiguration(IConfiguration configuration)
    {
        var tenants = new List<Tenant>();
        foreach (var section in configuration.GetSection("Coordination:Tenants").GetChildren())
        {
            var keys = (section["Keys"] ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (keys.Length == 0)
            {
                throw new InvalidOperationException($"Coordination__Tenants__{section.Key}__Keys is empty: give the tenant at least one API key.");
            }
            foreach (var key in keys)
            {
                if (!key.StartsWith(KeyPrefix, StringComparison.Ordinal) || key.Length < 20)
                {
                    throw new InvalidOperationException($"Tenant '{section.Key}' has a key that does not start with ck_ or is shorter than 20 characters.");
                }
            }
            var defaults = new TenantLimits();
            var limits = new TenantLimits(
                ReadInt(section, "MaxSwarms", defaults.MaxSwarms),
                ReadInt(section, "MaxAgentsPerSwarm", defaults.MaxAgentsPerSwarm),
                ReadInt(section, "MaxLocksPerSwarm", defaults.MaxLocksPerSwarm),
                ReadInt(section, "MaxTasksPerSwarm", defaults.MaxTasksPerSwarm),
                ReadInt(section, "MaxPayloadBytes", defaults.MaxPayloadBytes));
            tenants.Add(new Tenant(section.Key, limits, keys.Select(Hash).ToList()));
        }
        return new TenantDirectory(tenants);
    }

    /// <summary>The tenant owning this API key, or null. Compares hashes in constant time.</summary>
    public Tenant? Authenticate(string apiKey)
    {
        var hash = Hash(apiKey);
        Tenant? found = null;
        foreach (var tenant in _tenants)
        {
            foreach (var known in tenant.KeyHashes)
            {
                if (CryptographicOperations.FixedTimeEquals(known, hash))
                {
                    found = tenant;
                }
            }
        }
        return found;
    }

    /// <summary>The tenant with this id, or null.</summary>
    public Tenant? Find(string tenantId) => _tenants.FirstOrDefault(t => t.Id == tenantId);

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static int ReadInt(IConfiguration section, string name, int fallback) =>
        section[name] is not { Length: > 0 } text ? fallback
        : int.TryParse(text, out var value) && value > 0 ? value
        : throw new InvalidOperationException($"Coordination__Tenants__{((IConfigurationSection)section).Key}__{name} must be a positive whole number; got '{text}'.");
}
