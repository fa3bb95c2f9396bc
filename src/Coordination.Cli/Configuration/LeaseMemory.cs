using System.Text.Json;
using Coordination.Cli.Infrastructure;
using Coordination.Core.Common;

namespace Coordination.Cli.Configuration;

/// <summary>A lease a claim handed out: what renew, release, complete and fail must present.</summary>
/// <param name="LeaseId">The lease.</param>
/// <param name="FencingToken">The lease's fencing token.</param>
internal sealed record RememberedLease(string LeaseId, long? FencingToken);

/// <summary>
/// The last lease <c>work claim</c> got per task (keyed by swarm and task), kept in a 0600 file next to the profile,
/// so <c>work complete &lt;taskId&gt;</c> works in a shell session without copying lease ids around. Flags
/// (<c>--lease-id</c>, <c>--fencing-token</c>) always win; a settled task is forgotten.
/// </summary>
internal sealed class LeaseMemory(string path)
{
    public RememberedLease? Find(string swarmId, string taskId) => Load().GetValueOrDefault(Key(swarmId, taskId));

    /// <summary>Remembers the leases of one claim (or one renewal) in a single read and write of the file.</summary>
    public void Remember(string swarmId, IEnumerable<(string TaskId, RememberedLease Lease)> claimed)
    {
        var held = claimed.ToList();
        if (held.Count == 0)
        {
            return;
        }
        Update(leases =>
        {
            foreach (var (taskId, lease) in held)
            {
                leases[Key(swarmId, taskId)] = lease;
            }
        });
    }

    public void Forget(string swarmId, string taskId) => Update(leases => leases.Remove(Key(swarmId, taskId)));

    /// <summary>The lease to present: the flags' when given, else the remembered one, else a usage error saying how to get one.</summary>
    public RememberedLease Resolve(string swarmId, string taskId, string? leaseId, long? fencingToken)
    {
        if (leaseId is not null)
        {
            return new RememberedLease(leaseId, fencingToken);
        }
        var remembered = Find(swarmId, taskId)
            ?? throw CliFailure.Usage($"no lease remembered for {taskId}: pass --lease-id (and --fencing-token) as 'work claim' printed them");
        return fencingToken is null ? remembered : remembered with { FencingToken = fencingToken };
    }

    private static string Key(string swarmId, string taskId) => swarmId + "/" + taskId;

    private Dictionary<string, RememberedLease> Load()
    {
        try
        {
            return File.Exists(path)
                ? JsonSerializer.Deserialize<Dictionary<string, RememberedLease>>(File.ReadAllText(path), WireJson.Options) ?? []
                : [];
        }
        catch (JsonException)
        {
            // Only a convenience: a damaged file is as good as none (flags still work), and the next claim rewrites it.
            return [];
        }
    }

    private void Update(Action<Dictionary<string, RememberedLease>> change)
    {
        var leases = Load();
        change(leases);
        if (leases.Count == 0)
        {
            File.Delete(path);
            return;
        }
        SecretFile.Write(path, JsonSerializer.Serialize(leases, WireJson.Options));
    }
}
