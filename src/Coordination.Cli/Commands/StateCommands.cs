using System.CommandLine;
using Coordination.Cli.Infrastructure;
using Coordination.Core.State;

namespace Coordination.Cli.Commands;

/// <summary><c>coordctl state get|set|incr|delete|poll</c>: shared, versioned key-value state.</summary>
internal static class StateCommands
{
    public static Command Build() => Verb.Group("state", "Shared, versioned key-value state.", Get(), Set(), Increment(), Delete(), Poll());

    private static Argument<string> KeyArgument() => new("key") { Description = "The key (any string up to 400 characters)." };

    private static Option<long?> IfVersionOption() => new("--if-version") { Description = "Only if the key is at this version (0: only if absent)." };

    private static Command Get()
    {
        var key = KeyArgument();
        return Verb.Create("get", "Reads a key's value and version.", async (cli, ct) =>
        {
            using var client = cli.SwarmClient();
            var entry = await client.State.GetAsync(cli.Get(key)!, ct);
            cli.Output.Show(entry, () => ShowEntry(cli.Output, entry));
            return ExitCodes.Ok;
        }, key);
    }

    private static Command Set()
    {
        var key = KeyArgument();
        var value = new Argument<string>("value") { Description = "Any JSON, as text (quote strings: '\"text\"') or @file." };
        var ifVersion = IfVersionOption();
        return Verb.Create("set", "Writes a key (compare-and-set with --if-version; a stale version exits 4).", async (cli, ct) =>
        {
            using var client = cli.SwarmClient();
            var entry = await client.State.SetAsync(cli.Get(key)!, JsonInput.Parse(cli.Get(value)!, "the value"), cli.Get(ifVersion), ct);
            cli.Output.Show(entry, () => ShowEntry(cli.Output, entry));
            return ExitCodes.Ok;
        }, key, value, ifVersion);
    }

    private static Command Increment()
    {
        var key = KeyArgument();
        var delta = new Option<long>("--delta") { Description = "The amount to add (may be negative; default 1).", DefaultValueFactory = _ => 1 };
        return Verb.Create("incr", "Atomically adds an integer to a key (absent counts as 0).", async (cli, ct) =>
        {
            using var client = cli.SwarmClient();
            var entry = await client.State.IncrementAsync(cli.Get(key)!, cli.Get(delta), ct);
            cli.Output.Show(entry, () => ShowEntry(cli.Output, entry));
            return ExitCodes.Ok;
        }, key, delta);
    }

    private static Command Delete()
    {
        var key = KeyArgument();
        var ifVersion = IfVersionOption();
        return Verb.Create("delete", "Deletes a key's value (its version keeps counting).", async (cli, ct) =>
        {
            using var client = cli.SwarmClient();
            var entry = await client.State.DeleteAsync(cli.Get(key)!, cli.Get(ifVersion), ct);
            cli.Output.Show(entry, () => ShowEntry(cli.Output, entry));
            return ExitCodes.Ok;
        }, key, ifVersion);
    }

    private static Command Poll()
    {
        var keys = new Argument<string[]>("keys") { Description = "The keys to watch.", Arity = ArgumentArity.OneOrMore };
        var lastVersions = new Option<string[]?>("--last-versions") { Description = "Versions already seen, as key=version (repeated or comma-separated).", AllowMultipleArgumentsPerToken = true };
        var wait = new Option<int?>("--wait") { Description = "Seconds to wait for a change (0–60)." };
        return Verb.Create("poll", "Returns the keys whose version moved past --last-versions, waiting up to --wait seconds.", async (cli, ct) =>
        {
            using var client = cli.SwarmClient();
            var result = await client.State.PollAsync(new PollStateRequest(cli.Get(keys)!, ParseVersions(cli.Get(lastVersions)), cli.Get(wait) ?? 0), ct);
            cli.Output.Show(result, () => cli.Output.Table(["key", "version", "deleted", "value", "updated", "by"],
                result.Changed.Select(e => new object?[] { e.Key, e.Version, e.Deleted, e.Value, e.UpdatedAt, e.UpdatedBy }), "no change"));
            return ExitCodes.Ok;
        }, keys, lastVersions, wait);
    }

    private static Dictionary<string, long>? ParseVersions(string[]? pairs)
    {
        var items = JsonInput.List(pairs);
        if (items is null)
        {
            return null;
        }
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var pair in items)
        {
            var separator = pair.LastIndexOf('=');
            if (separator <= 0 || !long.TryParse(pair[(separator + 1)..], out var version))
            {
                throw CliFailure.Usage($"--last-versions takes key=version, got '{pair}'");
            }
            versions[pair[..separator]] = version;
        }
        return versions;
    }

    private static void ShowEntry(Output output, StateEntry entry) => output.Record(
        ("key", entry.Key), ("value", entry.Deleted ? "(deleted)" : entry.Value), ("version", entry.Version), ("updated", entry.UpdatedAt), ("by", entry.UpdatedBy));
}
