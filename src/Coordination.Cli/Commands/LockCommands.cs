using System.CommandLine;
using Coordination.Cli.Infrastructure;
using Coordination.Core.Locks;

namespace Coordination.Cli.Commands;

/// <summary><c>coordctl lock acquire|renew|release|list</c>.</summary>
internal static class LockCommands
{
    public static Command Build() => Verb.Group("lock", "Locks with a time-to-live and fencing tokens.", Acquire(), Renew(), Release(), List());

    private static Command Acquire()
    {
        var resource = new Argument<string>("resource") { Description = "What to lock, e.g. file:src/app.ts." };
        var ttl = new Option<int>("--ttl") { Description = "Seconds the lock is held unless renewed (1–3600).", Required = true };
        var wait = new Option<bool>("--wait") { Description = "Wait for the holder to let go." };
        var waitTimeout = new Option<int?>("--wait-timeout") { Description = "Seconds to wait with --wait (1–120)." };
        return Verb.Create("acquire", "Acquires a lock; exits 4 (conflict) when another agent holds it.", async (cli, ct) =>
        {
            using var client = cli.SwarmClient();
            var result = await client.Locks.AcquireAsync(new AcquireLockRequest(cli.Get(resource)!, cli.Get(ttl), cli.Get(wait), cli.Get(waitTimeout)), ct);
            cli.Output.Show(result, () => cli.Output.Record(
                ("resource", result.Resource), ("acquired", result.Acquired), ("claim", result.ClaimId), ("fencing token", result.FencingToken),
                ("held by", result.HeldBy), ("expires", result.ExpiresAt)));
            if (!result.Acquired)
            {
                Output.Note($"lock_held: {result.Resource} is held by {result.HeldBy} until {Output.Format(result.ExpiresAt)}");
                return ExitCodes.Conflict;
            }
            return ExitCodes.Ok;
        }, resource, ttl, wait, waitTimeout);
    }

    private static Command Renew()
    {
        var claimId = new Argument<string>("claim-id") { Description = "The claim an acquire printed." };
        var ttl = new Option<int?>("--ttl") { Description = "New time-to-live in seconds (default: the original)." };
        return Verb.Create("renew", "Extends a lock you hold.", async (cli, ct) =>
        {
            using var client = cli.SwarmClient();
            var result = await client.Locks.RenewAsync(cli.Get(claimId)!, cli.Get(ttl), ct);
            cli.Output.Show(result, () => cli.Output.Record(("resource", result.Resource), ("claim", result.ClaimId), ("fencing token", result.FencingToken), ("expires", result.ExpiresAt)));
            return ExitCodes.Ok;
        }, claimId, ttl);
    }

    private static Command Release()
    {
        var claimId = new Argument<string>("claim-id") { Description = "The claim an acquire printed." };
        var force = new Option<bool>("--force") { Description = "Coordinator: release another agent's lock." };
        return Verb.Create("release", "Releases a lock.", async (cli, ct) =>
        {
            using var client = cli.SwarmClient();
            await client.Locks.ReleaseAsync(cli.Get(claimId)!, cli.Get(force), ct);
            if (!cli.Output.Json)
            {
                Output.Note($"released {cli.Get(claimId)}");
            }
            return ExitCodes.Ok;
        }, claimId, force);
    }

    private static Command List()
    {
        var resource = new Option<string?>("--resource") { Description = "Only this resource." };
        return Verb.Create("list", "Lists held locks, soonest expiry first.", async (cli, ct) =>
        {
            using var client = cli.SwarmClient();
            var locks = await client.Locks.ListAsync(cli.Get(resource), ct);
            cli.Output.Show(locks, () => cli.Output.Table(["resource", "claim", "held by", "fencing token", "acquired", "expires"],
                locks.Locks.Select(l => new object?[] { l.Resource, l.ClaimId, l.HeldBy, l.FencingToken, l.AcquiredAt, l.ExpiresAt })));
            return ExitCodes.Ok;
        }, resource);
    }
}
