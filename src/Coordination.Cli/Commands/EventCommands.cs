using System.CommandLine;
using Coordination.Cli.Infrastructure;
using Coordination.Core.Common;
using Coordination.Core.Events;

namespace Coordination.Cli.Commands;

/// <summary><c>coordctl events tail|query</c>: the swarm's ordered event log.</summary>
internal static class EventCommands
{
    public static Command Build() => Verb.Group("events", "The swarm's event log: follow it live, or query it.", Tail(), Query());

    private static Option<string[]?> TypeOption() =>
        new("--type") { Description = "Only these event types (comma-separated or repeated).", AllowMultipleArgumentsPerToken = true };

    private static Command Tail()
    {
        var cursor = new Option<long>("--cursor") { Description = "Start after this sequence (default 0: the whole log, then live)." };
        var types = TypeOption();
        var count = new Option<int?>("--count") { Description = "Stop after this many events." };
        var timeout = new Option<double?>("--timeout") { Description = "Stop after this many seconds (exit 1 if --count events had not arrived)." };
        return Verb.Create("tail", "Follows the log live (SSE, resuming after drops), one event per line; Ctrl-C ends it with exit 0.", async (cli, ct) =>
        {
            if (cli.Get(count) is < 1 || cli.Get(timeout) is <= 0)
            {
                throw CliFailure.Usage("--count and --timeout must be positive");
            }
            using var client = cli.SwarmClient();
            var wanted = JsonInput.List(cli.Get(types))?.ToHashSet(StringComparer.Ordinal);
            using var deadline = cli.Get(timeout) is { } seconds ? new CancellationTokenSource(TimeSpan.FromSeconds(seconds)) : new CancellationTokenSource();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
            var seen = 0;
            try
            {
                await foreach (var swarmEvent in client.Events.StreamAsync(cli.Get(cursor), stop.Token))
                {
                    if (wanted is not null && !wanted.Contains(swarmEvent.Type))
                    {
                        continue;
                    }
                    if (cli.Output.Json)
                    {
                        cli.Output.Document(swarmEvent);
                    }
                    else
                    {
                        cli.Output.Line(EventLine(swarmEvent));
                    }
                    if (++seen == cli.Get(count))
                    {
                        return ExitCodes.Ok;
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Ctrl-C or --timeout: the end the user asked for.
            }
            if (deadline.IsCancellationRequested && !ct.IsCancellationRequested && cli.Get(count) is { } expected)
            {
                Output.Note($"timeout: {seen} of {expected} events arrived");
                return ExitCodes.Failure;
            }
            return ExitCodes.Ok;
        }, cursor, types, count, timeout);
    }

    private static Command Query()
    {
        var types = TypeOption();
        var actor = new Option<string?>("--actor") { Description = "Only events this agent caused." };
        var since = new Option<DateTimeOffset?>("--since") { Description = "Only events at or after this time." };
        var cursor = new Option<string?>("--cursor") { Description = "Only events after this sequence (a page's nextCursor)." };
        var limit = new Option<int?>("--limit") { Description = "Page size (1–1000, default 100)." };
        return Verb.Create("query", "Reads one page of the log in order.", async (cli, ct) =>
        {
            using var client = cli.SwarmClient();
            var page = await client.Events.QueryAsync(cli.Get(cursor), JsonInput.List(cli.Get(types)), cli.Get(actor), cli.Get(since), cli.Get(limit), ct);
            cli.Output.Show(page, () => EventTable(cli.Output, page));
            return ExitCodes.Ok;
        }, types, actor, since, cursor, limit);
    }

    public static void EventTable(Output output, ListPage<SwarmEvent> page)
    {
        output.Table(["seq", "time", "type", "actor", "subject", "data"],
            page.Items.Select(e => new object?[] { e.Sequence, e.Time, e.Type, e.Actor, e.Subject, e.Data }));
        if (page.HasMore)
        {
            Output.Note($"more: --cursor {page.NextCursor}");
        }
    }

    private static string EventLine(SwarmEvent e) =>
        string.Join("  ", new[] { e.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), Output.Format(e.Time), e.Type, e.Actor, e.Subject, Output.Format(e.Data) }
            .Where(part => !string.IsNullOrEmpty(part)));
}
